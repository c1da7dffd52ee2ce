"use strict";
// The shopkeeper's screen: PIN pad, sign-out when left alone, and the live check-in list.
(() => {
  // What follows the terminal's changes on this page: each is told (kind, what) by one shared
  // event stream (started at the end).
  const followers = [];
  const follow = (fn) => { followers.push(fn); };

  // Every word shown comes from the server-rendered page, in the page's language.
  // A screen left alone signs itself out, so the next person at the kiosk does not find it open.
  const idle = Number(document.body.dataset.idle || 0);
  if (idle > 0) {
    let timer = null;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => { location.href = "/admin/"; }, (idle + 1) * 1000);
    };
    for (const kind of ["pointerdown", "keydown", "input"]) document.addEventListener(kind, arm, true);
    arm();
  }

  // Restock: a USB scanner types the label (EKP:<code>) into the scan field and presses Enter;
  // the product is chosen from the list and the quantity is next, instead of sending the form.
  const scan = document.getElementById("product-scan");
  const product = document.getElementById("product_code");
  if (scan && product) {
    const note = document.getElementById("product-scan-note");
    const pick = () => {
      let code = scan.value.trim().toUpperCase();
      if (code.startsWith("EKP:")) code = code.slice(4);
      if (!code) return false;
      const found = [...product.options].find((o) => o.value === code);
      if (found) {
        product.value = code;
        scan.value = "";
        if (note) note.textContent = found.textContent;
        document.getElementById("qty")?.focus();
        return true;
      }
      if (note) note.textContent = scan.dataset.unknown || "";
      scan.select();
      return false;
    };
    scan.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      e.preventDefault();
      pick();
    });
    scan.addEventListener("change", pick);
  }

  // PIN pad: the digits go into the PIN field; the field still takes a keyboard.
  const pad = document.querySelector(".pinpad");
  const pin = document.getElementById("pin");
  if (pad && pin) {
    pad.hidden = false;
    pad.addEventListener("click", (e) => {
      const key = e.target.closest("button[data-digit]");
      if (!key) return;
      const d = key.dataset.digit;
      if (d === "clear") pin.value = "";
      else if (d === "back") pin.value = pin.value.slice(0, -1);
      else if (pin.value.length < 12) pin.value += d;
    });
  }

  // Settings: the volume shown as it is moved, and a sample prompt played at that volume (the
  // kiosk's voice, as the resident screen plays it), before it is saved.
  const volume = document.getElementById("volume");
  const test = document.getElementById("voice-test");
  if (volume && test && window.kioskVoice) {
    const shown = document.getElementById("volume-value");
    const state = document.getElementById("voice-test-state");
    volume.addEventListener("input", () => { shown.textContent = volume.value; });
    test.addEventListener("click", async () => {
      state.hidden = true;
      const played = await window.kioskVoice.play(test.dataset.text, test.dataset.lang, volume.value / 100);
      if (!played) { state.textContent = state.dataset.failed; state.hidden = false; }
    });
  }

  // Check-in: keep the scan field focused for a keyboard-wedge scanner, and show each credit as
  // it happens, including those the terminal's camera makes.
  const list = document.getElementById("checkins");
  const code = document.getElementById("code");
  if (code && document.body.dataset.page === "checkin") {
    code.focus();
    document.addEventListener("pointerup", () => {
      if (!document.activeElement || document.activeElement === document.body) code.focus();
    });
  }
  if (list && list.dataset.src) {
    // One fetch at a time; a change that arrives while one is under way may have come after the
    // server answered it, so it asks for one more fetch when this one ends.
    let pending = false;
    let again = false;
    const reload = async () => {
      if (pending) { again = true; return; }
      pending = true;
      do {
        again = false;
        try {
          const res = await fetch(list.dataset.src, { credentials: "same-origin" });
          if (res.redirected) { location.href = res.url; return; } // signed out meanwhile
          if (res.ok) list.innerHTML = await res.text();
        } catch (e) { /* the next change tries again */ }
      } while (again);
      pending = false;
    };
    // "hello" comes on every (re)connection: changes made before it may have been missed.
    follow(() => reload());
  }

  // A resident pressed "call the shopkeeper" on the screen: show it on whatever page is open, with
  // a sound, until someone answers it.
  const call = document.getElementById("staff-call");
  if (call && call.dataset.src) {
    let audio = null;
    const ring = () => {
      try {
        audio = audio || new (window.AudioContext || window.webkitAudioContext)();
        for (const [freq, at] of [[988, 0], [784, 0.25], [988, 0.5], [784, 0.75]]) {
          const osc = audio.createOscillator();
          const gain = audio.createGain();
          osc.frequency.value = freq;
          gain.gain.value = 0.25;
          osc.connect(gain).connect(audio.destination);
          osc.start(audio.currentTime + at);
          osc.stop(audio.currentTime + at + 0.2);
        }
      } catch (e) { /* no audio device */ }
    };
    const look = async () => {
      try {
        const res = await fetch(call.dataset.src, { credentials: "same-origin" });
        if (!res.ok || res.redirected) return;
        const state = await res.json();
        if (state.waiting && call.hidden) ring();
        call.hidden = !state.waiting;
        document.getElementById("staff-call-at").textContent = state.at || "";
      } catch (e) { /* the next change tries again */ }
    };
    follow((kind, what) => { if (kind === "hello" || what === "staff_call") look(); });
  }

  // Claim page: a card held to the camera names the household; the server says which (never
  // the card's code) and the page moves on to the claim for it.
  const cameraCard = document.getElementById("claim-camera-card");
  if (cameraCard) {
    let seen = null;
    // Showing the page started a new wait (the server forgot earlier cards), so whatever the
    // server holds now was seen for this page.
    const look = async () => {
      try {
        const res = await fetch(cameraCard.dataset.src, { credentials: "same-origin" });
        if (!res.ok) return;
        const found = await res.json();
        if (found.seq === null || found.seq === seen) return;
        seen = found.seq;
        if (found.url) { location.href = found.url; return; }
        let note = document.getElementById("claim-camera-error");
        if (!note) {
          note = document.createElement("p");
          note.id = "claim-camera-error";
          note.className = "note error";
          note.setAttribute("role", "alert");
          cameraCard.after(note);
        }
        note.textContent = "⚠ " + (found.error || "");
      } catch (e) { /* the next change tries again */ }
    };
    follow((kind, what) => { if (kind === "hello" || what === "claim_card") look(); });
    setInterval(look, 10_000);  // also keeps the wait alive while the page is open
  }

  // One event stream per page, shared by all that follows the terminal's changes on it: each
  // stream holds one of the terminal's few stream slots, and a page reloaded while its old
  // streams are still counted must not find them all taken.
  if (followers.length) {
    const tell = (kind, what) => followers.forEach((fn) => fn(kind, what));
    const listen = () => {
      const source = new EventSource("/api/events");
      source.addEventListener("hello", () => tell("hello", ""));
      source.addEventListener("change", (e) => {
        let what = "";
        try { what = JSON.parse(e.data).what; } catch (err) { /* an older server */ }
        tell("change", what);
      });
      source.onerror = () => { source.close(); setTimeout(listen, 3000); };
    };
    listen();
  }
})();

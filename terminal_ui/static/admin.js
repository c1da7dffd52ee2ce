"use strict";
// The shopkeeper's screen: PIN pad, sign-out when left alone, and the live check-in list.
(() => {
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
    const listen = () => {
      const source = new EventSource("/api/events");
      // "hello" comes on every (re)connection: changes made before it may have been missed.
      source.addEventListener("hello", reload);
      source.addEventListener("change", reload);
      source.onerror = () => { source.close(); setTimeout(listen, 3000); };
    };
    listen();
  }
})();

"use strict";
// The resident's touch screen: shows the terminal's session and sends taps and scans to the API.
(() => {
  const M = JSON.parse(document.getElementById("messages").textContent || "{}");
  const C = JSON.parse(document.getElementById("config").textContent || "{}");
  const t = (s) => M[s] || s;
  // A message with {name}-style blanks filled in.
  const f = (s, params) => t(s).replace(/\{(\w+)\}/g, (m, k) => (k in params ? params[k] : m));
  const lang = document.body.dataset.lang;
  const $ = (id) => document.getElementById(id);
  let view = null;
  let products = [];
  let category = null;
  let doneTimer = null;
  let lastCode = null; // the cart line touched last, kept in view
  let checkingOut = false;
  let doneSession = null; // the session just checked out: any view of it is out of date
  // The idle screen's notices (read aloud now and then) and the village board's pages.
  let notices = [];
  let noticeTurn = 0;
  let noticeSpoken = false;
  const BOARD_ROWS = 4;
  let boardPages = [];
  let boardTurn = 0;
  let boardTimer = null;
  let boardData = null;
  // The board keeps the height of its tallest page shown so far: a page with fewer or shorter
  // rows would otherwise move everything below it up and down at every turn, under a finger.
  let boardHeight = 0;
  // Views arrive from several requests at once (taps, scans, the event stream); one asked for
  // earlier never replaces one asked for later.
  let asked = 0;
  let applied = 0;
  function viewCall(method, path, data) {
    const n = ++asked;
    return call(method, path, data).then((v) => {
      if (n > applied) { applied = n; view = v; render(); }
      // A read asked after this change may have been answered before the server made it, and
      // its answer may come before or after this one: either way it would be the one shown.
      // Read again, now that the change is made.
      if (method !== "GET" && asked > n) refresh().catch(() => {});
      return v;
    });
  }

  async function call(method, path, data) {
    const url = path + (path.includes("?") ? "&" : "?") + "lang=" + encodeURIComponent(lang);
    let res;
    try {
      res = await fetch(url, {
        method,
        headers: data ? { "Content-Type": "application/json" } : {},
        body: data ? JSON.stringify(data) : undefined,
      });
    } catch (e) {
      throw { code: "network", message: t("Could not reach the terminal. Please try again.") };
    }
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw (json.error || { code: "error", message: res.statusText });
    return json;
  }

  // Sound: a short rising tone for success, a low double tone for failure and a three-note
  // chime for a finished exchange (Web Audio, no files).
  let audio = null;
  const TONES = {
    ok: [[880, 0], [1320, 0.12]],
    fail: [[220, 0], [180, 0.2]],
    done: [[660, 0], [880, 0.15], [1320, 0.3]],
    call: [[988, 0], [784, 0.25], [988, 0.5], [784, 0.75]],
  };
  // Beeps follow the shopkeeper's volume (0.25 at full, 0.2 at the default 80); at 0, none.
  const sounds = (window.kioskSound = { beeps: [] });
  function beep(kind) {
    const level = 0.25 * ((C.volume == null ? 80 : C.volume) / 100);
    const name = kind === true ? "ok" : kind === false ? "fail" : kind;
    sounds.beeps.push({ kind: name, gain: level });
    if (level <= 0) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const tones = TONES[name] || TONES.ok;
      for (const [freq, at] of tones) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = freq;
        gain.gain.value = level;
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + at);
        osc.stop(audio.currentTime + at + 0.15);
      }
    } catch (e) { /* no audio device */ }
  }

  // Spoken prompts in the screen's language, when the shopkeeper has switched them on: the
  // browser's own voice where it has one for the language, else the kiosk's (voice.js).
  function speak(text) {
    if (!C.voice || !text) return;
    const volume = (C.volume == null ? 80 : C.volume) / 100;
    const kiosk = window.kioskVoice;
    if (kiosk && !kiosk.systemVoice(C.speech_lang)) {
      kiosk.play(text, lang, volume);
      return;
    }
    if (!window.speechSynthesis) return;
    try {
      window.speechSynthesis.cancel();
      const u = new SpeechSynthesisUtterance(text);
      u.lang = C.speech_lang || "zh-CN";
      u.rate = 0.9;
      u.volume = volume;
      window.speechSynthesis.speak(u);
    } catch (e) { /* no speech on this machine */ }
  }

  // A message stays until the next tap (or a while), so a slow reader is not cut short.
  let messageTimer = null;
  function say(text, good) {
    const box = $("message");
    box.textContent = text;
    box.classList.toggle("good", !!good);
    box.hidden = false;
    clearTimeout(messageTimer);
    messageTimer = setTimeout(() => { box.hidden = true; }, 15000);
  }
  document.addEventListener("pointerdown", () => { $("message").hidden = true; }, true);
  function fail(err) {
    const text = err.message || String(err);
    beep("fail");
    say(text, false);
    speak(text);
  }

  function show(id) {
    const wasIdle = !$("idle").hidden;
    for (const s of document.querySelectorAll(".screen")) s.hidden = s.id !== id;
    if (id !== "shop") hideStill();
    livePreview(id === "idle");
    if (id !== "idle") { stopBoard(); hushNotice(); } else if (!wasIdle || boardTimer === null) rotateBoard();
  }

  // What a real camera sees, small and mirrored, on the idle screen: a resident sees where to
  // hold the card. One picture at a time, about five a second, and none while a session is open.
  let previewTimer = null;
  function livePreview(on) {
    const img = $("camera-preview");
    clearTimeout(previewTimer);
    if (!C.camera_preview || !img || !on) { if (img) img.hidden = true; return; }
    const next = () => { previewTimer = setTimeout(() => { img.src = "/api/camera/preview?t=" + Date.now(); }, 200); };
    const art = document.querySelector("#idle .scan-art");
    img.onload = () => {
      if ($("idle").hidden) { img.hidden = true; return; }
      img.hidden = false;
      if (art) art.style.display = "none";
      next();
    };
    img.onerror = () => {
      img.hidden = true;
      if (art) art.style.display = "";
      if (!$("idle").hidden) previewTimer = setTimeout(() => { img.src = "/api/camera/preview?t=" + Date.now(); }, 2000);
    };
    img.src = "/api/camera/preview?t=" + Date.now();
  }

  function refresh() { return viewCall("GET", "/api/session"); }
  // Answers to overlapping loads can arrive out of order: only a newer one replaces the list.
  let productsAsked = 0;
  let productsApplied = 0;
  async function loadProducts() {
    const n = ++productsAsked;
    const fresh = await call("GET", "/api/products");
    if (n <= productsApplied) return;
    productsApplied = n;
    products = fresh;
    if (view) render();
  }

  // -- timers: none runs while the person is acting ---------------------------------------------
  // The shop screen asks "still there?" only after idle_seconds without a touch, a key or a scan,
  // and gives up (nothing spent) still_seconds later; any touch puts both back to the start.
  let idleTimer = null;
  let stillTimer = null;
  let stillLeft = 0;
  function armIdle() {
    clearTimeout(idleTimer);
    if (!view || view.mode !== "exchange" || $("shop").hidden || checkingOut) return;
    idleTimer = setTimeout(askStill, C.idle_seconds * 1000);
  }
  function askStill() {
    if (!view || view.mode !== "exchange" || $("shop").hidden) return;
    stillLeft = Math.max(1, Math.round(C.still_seconds));
    $("still").hidden = false;
    tickStill();
    speak(t("Are you still there?"));
  }
  function tickStill() {
    $("still-text").textContent = f("Without a tap, the screen finishes in {seconds} seconds. Nothing is spent.", { seconds: stillLeft });
    clearTimeout(stillTimer);
    if (stillLeft <= 0) { giveUp(); return; }
    stillLeft -= 1;
    stillTimer = setTimeout(tickStill, 1000);
  }
  function hideStill() {
    clearTimeout(stillTimer);
    $("still").hidden = true;
  }
  function giveUp() {
    hideStill();
    viewCall("POST", "/api/session/cancel").then(() => show("idle"), () => refresh().catch(() => {}));
  }
  $("still-yes").onclick = () => { hideStill(); armIdle(); };
  $("still-no").onclick = giveUp;
  for (const kind of ["pointerdown", "keydown"]) {
    document.addEventListener(kind, () => {
      if (!$("still").hidden && kind === "keydown") return; // a scanner's keys do not answer
      if ($("still").hidden) armIdle();
      if (!$("done").hidden) armDone();
    }, true);
  }

  // The done screen counts down to the card prompt; a tap on it starts the count again.
  let doneLeft = 0;
  function armDone() {
    doneLeft = Math.max(1, Math.round(C.done_seconds));
    tickDone();
  }
  function tickDone() {
    clearTimeout(doneTimer);
    $("done-countdown").textContent = f("Back to the start in {seconds} seconds", { seconds: doneLeft });
    if (doneLeft <= 0) { backToIdle(); return; }
    doneLeft -= 1;
    doneTimer = setTimeout(tickDone, 1000);
  }

  let lastSignature = "";
  let hadSession = false; // a resident's session was shown on this page
  let languageTimer = null;
  let checkinTimer = null;
  let greeted = null;
  function render() {
    // The done screen stays until the resident taps Done, the timer ends it or a new card starts
    // a session; during checkout the screen waits for the answer instead of the event stream.
    if (checkingOut) return;
    if (doneSession && view.session_id === doneSession) return;
    if (view.mode !== "exchange") $("switch").hidden = true;
    renderClosedNotice();
    if (view.mode === "idle") {
      clearTimeout(idleTimer);
      if (!$("done").hidden) return;
      show("idle");
      if (hadSession && resetLanguage()) return;
      armLanguage();
      return;
    }
    hadSession = true;
    clearTimeout(languageTimer);
    clearTimeout(doneTimer);
    clearTimeout(checkinTimer);
    if (view.mode === "checkin") {
      $("activity-name").textContent = view.activity.name;
      // Check-in mode ends by itself after a while without a credit: say when, and look again then.
      const minutes = Math.max(1, Math.ceil(view.activity.ends_in / 60));
      $("checkin-ends").textContent = f("Ends by itself in {minutes} min without a check-in.", { minutes });
      checkinTimer = setTimeout(() => refresh().catch(() => {}), (view.activity.ends_in + 1) * 1000);
      show("checkin");
      return;
    }
    if (historyShown && historyShown === view.session_id && view.mode === "exchange") {
      show("history");
      return;
    }
    historyShown = null;
    if (view.window && !view.window.open) {
      // Outside the store's exchange hours: say when to come back; no goods to choose.
      $("closed-household").textContent = view.household.name + " · " + view.resident.name;
      $("closed-balance").textContent = view.household.balance;
      show("closed");
      if (greeted !== view.session_id) {
        greeted = view.session_id;
        speak(closedText(view.window));
      }
      return;
    }
    show("shop");
    $("household-name").textContent = view.household.name;
    $("resident-name").textContent = view.resident.name;
    $("balance").textContent = view.household.balance;
    // Offline, fewer points than the balance may be usable: show how many, and why.
    const limited = !!view.household.limited_by;
    $("usable-row").hidden = !limited;
    $("available").textContent = view.household.available;
    // Central's notice of points about to be cleared under the programme's policy.
    const expiring = view.household.expiring;
    const expiringWords = expiring ? f("{points} points will be cleared on {month}/{day}.", {
      points: expiring.points,
      month: Number(expiring.on.slice(5, 7)),
      day: Number(expiring.on.slice(8, 10)),
    }) : "";
    $("expiring-row").hidden = !expiring;
    $("expiring-row").textContent = expiringWords;
    if (greeted !== view.session_id) {
      greeted = view.session_id;
      loadProducts().catch(() => {}); // what is left of a quota is this household's
      let words = f("Hello, {name}. Your household has {balance} points.", { name: view.resident.name, balance: view.household.balance });
      if (limited) words += " " + t("Usable now") + " " + view.household.available + " " + t("points") + "。" + $("limit-note").textContent;
      if (expiring) words += " " + expiringWords;
      speak(words);
    }
    // A change of cart (a tap here, or a label held to the camera) is the person acting.
    const signature = view.session_id + JSON.stringify(view.cart);
    if (signature !== lastSignature) { lastSignature = signature; hideStill(); armIdle(); }
    renderMembers();
    renderGoods();
    renderCart();
    renderSwitch();
  }

  // Another card was shown during this session: ask, in words and aloud, before changing; the
  // cart stays unless the resident says yes. The terminal forgets the question after a minute.
  let askedSwitch = null;
  let switchTimer = null;
  function renderSwitch() {
    const other = view.switch;
    $("switch").hidden = !other;
    if (!other) { askedSwitch = null; return; }
    const words = f("Another card: {name} ({household}). Change to this card? What is chosen now will be put back.", { name: other.resident, household: other.household });
    $("switch-text").textContent = words;
    $("switch-yes").textContent = f("Change to {name}", { name: other.resident });
    const key = view.session_id + "/" + other.resident;
    if (askedSwitch === key) return;
    askedSwitch = key;
    hideStill();
    speak(words);
    clearTimeout(switchTimer);
    switchTimer = setTimeout(() => refresh().catch(() => {}), 61000);
  }
  function answerSwitch(confirm) {
    $("switch").hidden = true;
    viewCall("POST", "/api/session/switch", { confirm }).catch(fail);
  }
  $("switch-yes").onclick = () => answerSwitch(true);
  $("switch-no").onclick = () => answerSwitch(false);

  // What each part of the shop screen last drew. A part is drawn again only when what it shows
  // changes: a redraw replaces the buttons, and one under a finger still pressing it is gone,
  // so the press is then no tap.
  const drawnAs = {};
  function changed(part, ...shown) {
    const now = JSON.stringify(shown);
    if (drawnAs[part] === now) return false;
    drawnAs[part] = now;
    return true;
  }

  function renderMembers() {
    const row = $("for-row");
    const members = view.members || [];
    row.hidden = members.length < 2;
    const current = view.beneficiary ? view.beneficiary.id : view.resident.id;
    if (!changed("members", members, current, view.resident.id, lang)) return;
    const box = $("members");
    box.replaceChildren();
    for (const m of members) {
      const b = document.createElement("button");
      b.textContent = m.id === view.resident.id ? f("{name} (myself)", { name: m.name }) : m.name;
      b.className = m.id === current ? "current" : "";
      b.setAttribute("aria-pressed", m.id === current ? "true" : "false");
      b.onclick = () => viewCall("POST", "/api/session/beneficiary", { resident_id: m.id }).catch(fail);
      box.append(b);
    }
  }

  function iconFor(p) {
    for (const [word, icon] of C.icon_rules || []) if (p.name.includes(word)) return icon;
    return (C.category_icons || {})[p.category] || "box";
  }
  function icon(id) {
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    const use = document.createElementNS(NS, "use");
    use.setAttribute("href", document.body.dataset.icons + "#i-" + id);
    svg.append(use);
    return svg;
  }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // When exchanges open again, in words: "Exchanges are open … Please come back today at 14:00."
  function closedText(w) {
    const msg = w.next_day === "today"
      ? "Exchanges are open {hours}. Please come back today at {time}."
      : "Exchanges are open {hours}. Please come back tomorrow at {time}.";
    return f(msg, { hours: w.hours, time: w.next_time || "" });
  }

  function renderClosedNotice() {
    const note = $("closed-note");
    const w = view && view.window;
    note.hidden = !(w && !w.open);
    if (!note.hidden) $("closed-note-text").textContent = closedText(w);
    const idleNote = $("idle-closed");
    idleNote.hidden = note.hidden;
    if (!idleNote.hidden) idleNote.textContent = closedText(w) + " " + t("Check-ins work at any time.");
  }

  // My points: the household's history, in words; read aloud and printed only when asked.
  let historyShown = null; // the session whose history is on the screen
  let historyData = null;
  async function openHistory() {
    historyData = await call("GET", "/api/session/history");
    historyShown = view.session_id;
    $("history-household").textContent = historyData.household.name;
    $("history-balance").textContent = historyData.balance;
    // What the office will clear, and when: said in words, above the entries.
    $("history-expiring").hidden = !historyData.expiring;
    $("history-expiring").textContent = historyData.expiring ? historyData.expiring.text : "";
    const list = $("history-lines");
    list.replaceChildren();
    for (const e of historyData.entries) {
      const li = el("li", "history-line" + (e.confirmed ? "" : " unconfirmed"));
      li.dataset.what = e.what;
      const words = el("span", "words", e.text);
      const pts = el("strong", "pts " + (e.points < 0 ? "minus" : "plus"), (e.points > 0 ? "+" : "") + e.points);
      li.append(words, pts);
      if (!e.confirmed) li.append(el("span", "unconfirmed-note", "（" + historyData.unconfirmed_label + "）"));
      const read = el("button", "read-one", t("Read aloud"));
      read.setAttribute("aria-label", t("Read aloud") + " " + e.text);
      read.onclick = () => speakAnyway(e.text);
      li.append(read);
      list.append(li);
    }
    $("history-empty").hidden = historyData.entries.length > 0;
    show("history");
  }
  // Read on request even where prompts are off: the resident asked for it.
  function speakAnyway(text) {
    const was = C.voice;
    C.voice = true;
    try { speak(text); } finally { C.voice = was; }
  }
  function closeHistory() { historyShown = null; render(); }

  // A scarce good's quota: how many more this household may take this period, the cart counted.
  function quotaText(p, chosen) {
    const more = Math.max(p.quota.left - chosen, 0);
    const msg = p.quota.period === "week"
      ? "Your household may take {left} {unit} more this week"
      : "Your household may take {left} {unit} more this month";
    return f(msg, { left: more, unit: p.unit });
  }

  function dearText(limited, chosen) {
    if (chosen) return t(limited ? "One more is more than usable now" : "Not enough points for one more");
    return t(limited ? "More than usable now" : "Not enough points");
  }

  function renderGoods() {
    const inCart = Object.fromEntries(view.cart.map((l) => [l.product_code, l.qty]));
    const left = usableLeft();
    if (!changed("goods", products, category, inCart, left, view.household.limited_by, lang)) {
      showMore();
      return;
    }
    const cats = [...new Set(products.map((p) => p.category))];
    const bar = $("categories");
    bar.replaceChildren();
    for (const c of [null, ...cats]) {
      const b = el("button", c === category ? "current" : "", c === null ? t("all") : c);
      b.setAttribute("aria-pressed", c === category ? "true" : "false");
      onTap(b, "category:" + (c === null ? "" : c), () => { category = c; renderGoods(); });
      bar.append(b);
    }
    const grid = $("goods");
    grid.replaceChildren();
    for (const p of products) {
      if (category !== null && p.category !== category) continue;
      const chosen = inCart[p.code] || 0;
      const out = p.stock <= 0;
      const tooDear = !out && p.points > left;
      const card = el("div", "good" + (out ? " out" : "") + (tooDear ? " dear" : "") + (chosen ? " chosen" : ""));
      card.dataset.code = p.code;
      const top = el("div", "top");
      top.append(icon(iconFor(p)), el("div", "name", p.name));
      const price = el("div", "price");
      price.append(el("span", "n", p.points), " " + t("points"));
      let state;
      if (out) state = el("div", "state out", t("Out of stock"));
      else if (tooDear) state = el("div", "state dear", dearText(view.household.limited_by, chosen));
      else state = el("div", "stock", t("In stock") + " " + p.stock + " " + p.unit);
      const limited = p.quota && p.quota.left !== null && p.quota.left !== undefined;
      const usedUp = limited && p.quota.left - chosen <= 0;
      const buy = el("div", "buy");
      if (chosen) {
        const less = el("button", "less", "－");
        less.setAttribute("aria-label", t("Remove") + " " + p.name);
        onTap(less, "goods-less:" + p.code, () => setQty(p.code, qtyOf(p.code, chosen) - 1));
        buy.append(less, el("span", "count", chosen));
      }
      const add = el("button", "add", chosen ? "＋1" : "＋ " + t("Add one"));
      add.setAttribute("aria-label", t("Add one") + " " + p.name);
      add.disabled = out || usedUp;
      onTap(add, "goods-add:" + p.code, () => setQty(p.code, qtyOf(p.code, chosen) + 1));
      buy.append(add);
      card.append(top, price, state);
      if (limited) {
        const q = el("div", "quota" + (usedUp ? " used-up" : ""), quotaText(p, chosen));
        q.setAttribute("data-quota", p.code);
        card.append(q);
      }
      card.append(buy);
      grid.append(card);
    }
    showMore();
  }

  // The points still usable once the cart is taken: the balance online, the allowance offline.
  function usableLeft() { return view.household.available - view.total; }

  // The goods area scrolls: say when more goods are below than fit on the screen.
  function showMore() {
    const grid = $("goods");
    $("goods-more").hidden = grid.scrollTop + grid.clientHeight >= grid.scrollHeight - 2;
  }
  $("goods").addEventListener("scroll", showMore, { passive: true });
  window.addEventListener("resize", () => { if (view) showMore(); });

  function renderCart() {
    if (changed("cart", view.cart, lang)) drawCartLines($("cart-lines"));
    $("cart-empty").hidden = view.cart.length > 0;
    $("total").textContent = view.total;
    $("remaining").textContent = view.remaining;
    $("usable-after-row").hidden = !view.household.limited_by;
    $("usable-after").textContent = usableLeft();
    $("confirm").disabled = view.cart.length === 0;
  }

  function drawCartLines(list) {
    list.replaceChildren();
    for (const line of view.cart) {
      const li = document.createElement("li");
      li.dataset.code = line.product_code;
      const name = el("div", "line-name", line.name + " · " + line.points + " " + t("points"));
      const qty = el("div", "qty");
      const minus = el("button", "", "－");
      minus.setAttribute("aria-label", t("Remove") + " " + line.name);
      onTap(minus, "cart-less:" + line.product_code, () => setQty(line.product_code, qtyOf(line.product_code, line.qty) - 1));
      const n = el("span", "", line.qty);
      const plus = el("button", "", "＋");
      plus.setAttribute("aria-label", t("Add one") + " " + line.name);
      onTap(plus, "cart-add:" + line.product_code, () => setQty(line.product_code, qtyOf(line.product_code, line.qty) + 1));
      qty.append(minus, n, plus);
      li.append(name, qty);
      list.append(li);
    }
    const touched = lastCode && list.querySelector(`li[data-code="${CSS.escape(lastCode)}"]`);
    if (touched) touched.scrollIntoView({ block: "nearest" });
  }

  // A trembling finger taps twice: a repeat on the same button (the same action on the same
  // product, even if the screen has redrawn it in between) within REPEAT_MS is one tap.
  const REPEAT_MS = 250;
  const lastTaps = {};
  function once(key, action) {
    return () => {
      const now = performance.now();
      if (now - (lastTaps[key] ?? -Infinity) < REPEAT_MS) return;
      lastTaps[key] = now;
      action();
    };
  }

  // A button drawn with the goods or the cart (a category, a cart change): its action, once per
  // REPEAT_MS, by click or by the release below.
  function onTap(button, key, action) {
    button.dataset.tap = key;
    button.onclick = once(key, action);
  }

  // A press and its release on the same action for the same good (or category) is a tap even
  // when the goods were redrawn in between (a stock or quota figure arrived): the button under
  // the pointer is then a new one, and the browser makes no click of a mouse press that ends on
  // another element. The release on the new button does the tap; a release on another action
  // or another good is no tap. Only a mouse-like pointer's main button (a touch frame that
  // presents itself as a mouse, say): a touch's tap is clicked by the browser where the finger
  // lifts, redraw or not, and another button's press is a context menu, never a tap. The button
  // is the one at the release point, wherever the release event is aimed.
  let pressed = null;
  document.addEventListener("pointerdown", (e) => {
    if (!e.isPrimary) return;
    const b = e.pointerType === "mouse" && e.button === 0 && e.target instanceof Element
      ? e.target.closest("button[data-tap]") : null;
    pressed = b ? { key: b.dataset.tap, button: b, pointer: e.pointerId } : null;
  }, true);
  document.addEventListener("pointercancel", (e) => { if (e.isPrimary) pressed = null; }, true);
  document.addEventListener("pointerup", (e) => {
    if (!e.isPrimary) return;
    const was = pressed;
    pressed = null;
    if (!was || e.button !== 0 || was.pointer !== e.pointerId) return;
    if (was.button.isConnected) return;  // not redrawn: the browser's own click follows
    const at = document.elementFromPoint(e.clientX, e.clientY);
    const b = at ? at.closest("button[data-tap]") : null;
    if (b && b.dataset.tap === was.key && !b.disabled) b.onclick();
  }, true);

  // Quantities asked for and not yet answered, per product: a second tap before the screen has
  // caught up counts from the first tap's quantity, not from the one shown. Cart changes go to
  // the terminal one after another so a later tap can never be overtaken by an earlier one.
  const wanted = {};
  let cartQueue = Promise.resolve();

  function qtyOf(code, shown) {
    return code in wanted ? wanted[code] : shown;
  }

  function setQty(code, qty) {
    lastCode = code;
    qty = Math.max(0, qty);
    wanted[code] = qty;
    cartQueue = cartQueue.then(() =>
      viewCall("POST", "/api/session/cart", { product_code: code, qty })
        .then(() => { if (wanted[code] === qty) delete wanted[code]; })
        .catch((e) => { delete wanted[code]; fail(e); })
    );
  }

  async function scan(code) {
    try {
      const v = await viewCall("POST", "/api/scan", { code });
      beep("ok");
      if (v.scan && v.scan.kind === "checkin") {
        $("checkin-last").textContent = "√ " + t("Checked in") + "：" + v.scan.resident + " +" + v.scan.points;
        speak(f("{name} checked in: {points} points added.", { name: v.scan.resident, points: v.scan.points }));
      }
      if (v.scan && v.scan.kind === "product") { lastCode = v.scan.product_code; loadProducts(); }
    } catch (e) { fail(e); }
  }

  $("confirm").onclick = async () => {
    $("confirm").disabled = true;
    const sessionId = view.session_id;
    checkingOut = true;
    clearTimeout(idleTimer);
    hideStill();
    try {
      const r = await call("POST", "/api/session/checkout", { session_id: sessionId });
      checkingOut = false;
      doneSession = sessionId;
      beep("done");
      $("new-balance").textContent = r.balance_after;
      $("exchange-number").textContent = r.number;
      $("print-state").textContent = r.printed ? t("Receipt printed") : t("The receipt could not be printed; the shopkeeper can reprint it.");
      $("print-state").classList.toggle("bad", !r.printed);
      show("done");
      armDone();
      speak(f("Exchange complete. {balance} points left. Please take your goods and receipt.", { balance: r.balance_after }));
      loadProducts();
    } catch (e) { checkingOut = false; fail(e); refresh().catch(() => {}); }
  };
  // "Call the shopkeeper": a ding-dong here, and the admin screen shows the call until answered.
  $("call-staff").onclick = once("call-staff", async () => {
    beep("call");
    try {
      await call("POST", "/api/staff-call");
      const text = t("The shopkeeper has been called. Please wait a moment.");
      say(text, true);
      speak(text);
    } catch (e) { fail(e); }
  });

  function backToIdle() { clearTimeout(doneTimer); show("idle"); refresh().catch(() => {}); }

  // A language chosen by one resident is theirs alone: once their session is over (or the idle
  // screen has waited idle_seconds after the choice), the screen returns to the shop's language.
  function resetLanguage() {
    if (!C.default_lang || lang === C.default_lang) return false;
    location.replace("/?lang=" + encodeURIComponent(C.default_lang));
    return true;
  }
  function armLanguage() {
    clearTimeout(languageTimer);
    if (lang !== C.default_lang) languageTimer = setTimeout(() => { if (!$("idle").hidden) resetLanguage(); }, C.idle_seconds * 1000);
  }

  $("done-button").onclick = backToIdle;
  for (const b of document.querySelectorAll(".cancel:not(#still-no):not(#switch-yes)")) {
    b.onclick = () => viewCall("POST", "/api/session/cancel").then(() => show("idle"), fail);
  }
  // A demo card is "held to the camera": the server renders its QR into a camera frame and
  // scans that through the real decode path. Without a simulated camera, it is typed in.
  async function showCard(code) {
    try {
      const v = await viewCall("POST", "/api/camera/card", { code });
      const outcome = v.camera && v.camera.outcome;
      if (outcome) { cameraSeen = outcome.seq; announce(outcome); }
    } catch (e) {
      if (e.code === "no_simulated_camera") scan(code); else fail(e);
    }
  }
  for (const b of document.querySelectorAll(".demo-card")) b.onclick = () => showCard(b.dataset.code);

  // What the camera saw reaches the screen as an event: say so, in words and in sound.
  let cameraSeen = null;
  async function cameraOutcome() {
    let answer;
    try { answer = await call("GET", "/api/camera"); } catch (e) { return; }
    const last = answer.last;
    if (!last || last.seq === cameraSeen) return;
    const first = cameraSeen === null;
    cameraSeen = last.seq;
    if (first) return;  // an outcome from before this page was opened
    announce(last);
  }
  function announce(outcome) {
    if (!outcome.ok) { fail(outcome); return; }
    beep("ok");
    if (outcome.kind === "checkin") {
      $("checkin-last").textContent = "√ " + t("Checked in") + "：" + outcome.resident + " +" + outcome.points;
      speak(f("{name} checked in: {points} points added.", { name: outcome.resident, points: outcome.points }));
    }
  }

  // A keyboard-wedge scanner types a code in one burst and ends with Enter; a pause longer
  // than SCAN_GAP_MS drops what came before (stray keys). The gap is read from the events' own
  // time stamps, so a page busy rendering when the keys arrive does not split a scan in two.
  const SCAN_GAP_MS = 250;
  // A scanner that reads the same label twice in a blink (or is triggered twice) adds one item:
  // the same code again within RESCAN_MS is the same showing.
  const RESCAN_MS = 1500;
  let lastScan = { code: "", at: -Infinity };
  function wedgeScan(code, at) {
    if (code === lastScan.code && at - lastScan.at < RESCAN_MS) return;
    lastScan = { code, at };
    scan(code);
  }
  let buffer = "";
  let last = -Infinity;
  document.addEventListener("keydown", (e) => {
    const now = e.timeStamp || performance.now();
    if (now - last > SCAN_GAP_MS) buffer = "";
    last = now;
    if (e.key === "Enter") {
      if (buffer.length >= 3) { e.preventDefault(); wedgeScan(buffer, e.timeStamp); }
      buffer = "";
    } else if (e.key.length === 1) {
      buffer += e.key;
    }
  });

  // The terminal tells the screen of every change (a camera scan, a checkout) as it happens.
  function listen() {
    // An event names only the last kind of change, and changes close together arrive as one
    // (a checkout is a session and a stock change), so every event reloads both. "hello" also
    // arrives after a reconnect, when changes may have been missed.
    const source = new EventSource("/api/events");
    const reload = () => { Promise.all([refresh(), loadProducts()]).catch(() => {}); };
    source.addEventListener("hello", () => { reload(); cameraOutcome(); });
    source.addEventListener("change", (e) => {
      let what = "";
      try { what = JSON.parse(e.data).what; } catch (err) { /* an older server */ }
      if (what === "settings") loadConfig();
      if (what === "camera") cameraOutcome();
      reload();  // events coalesce: "what" names only the last change, so always reload
    });
    source.onerror = () => { source.close(); setTimeout(listen, 3000); };
  }
  // The shopkeeper switched the spoken prompts (or another setting): take it without a reload.
  async function loadConfig() {
    try {
      const fresh = await call("GET", "/screen/config");
      Object.assign(C, fresh);
    } catch (e) { /* keep the settings we have */ }
  }

  // The office's notices on the idle screen, looked for again every few minutes. Now and then
  // (every announce_seconds) one is read aloud, only while no one is shopping and only when the
  // shopkeeper has switched spoken prompts on; a card shown cuts it short.
  async function loadNotices() {
    let board;
    try { board = await call("GET", "/api/announcements"); } catch (e) { return; }
    notices = board.announcements.map((a) => a.text);
    const list = $("announcements");
    list.replaceChildren();
    for (const a of board.announcements) {
      if (!a.picture) { list.append(el("li", "announcement", a.text)); continue; }
      // The picture beside its text, scaled to fit the screen; a picture that fails to load
      // leaves the text alone.
      const item = el("li", "announcement with-picture");
      const img = el("img", "announcement-picture");
      img.alt = "";
      img.onerror = () => { img.remove(); item.classList.remove("with-picture"); };
      img.src = a.picture;
      item.append(img, el("span", "announcement-text", a.text));
      list.append(item);
    }
    const next = $("next-day");
    const d = board.next_exchange_day;
    next.hidden = !d;
    if (d) next.textContent = f("Next exchange day: {day} {opens}-{closes}", d) + (d.note ? " · " + d.note : "");
    $("notices").hidden = !d && board.announcements.length === 0;
  }
  function nobodyShopping() { return !$("idle").hidden && (!view || view.mode === "idle"); }
  function readNotice() {
    if (!C.voice || !notices.length || !nobodyShopping()) return;
    const text = notices[noticeTurn % notices.length];
    noticeTurn += 1;
    noticeSpoken = true;
    window.kioskSound.notices = (window.kioskSound.notices || 0) + 1;
    speak(text);
  }
  function hushNotice() {
    if (!noticeSpoken) return;
    noticeSpoken = false;
    try { if (window.speechSynthesis) window.speechSynthesis.cancel(); } catch (e) { /* none */ }
    if (window.kioskVoice) window.kioskVoice.stop();
  }
  setInterval(() => { if (!$("idle").hidden) { loadNotices(); loadBoard(); } }, 300000);
  setInterval(readNotice, (C.announce_seconds || 240) * 1000);
  const noticesLoaded = loadNotices();

  // The village's notice board rotates on the idle screen, a page every board_seconds: this
  // month's awards, deductions by group, the ranking by honour points and the next exchange
  // day, each page with the month's check code. A card shown stops it at once.
  function chunks(rows, size, most) {
    const out = [];
    for (let i = 0; i < rows.length && out.length < most; i += size) out.push(rows.slice(i, i + size));
    return out;
  }
  function pagesOf(b) {
    const pages = [];
    for (const rows of chunks(b.awards, BOARD_ROWS, 3)) {
      pages.push({ kind: "awards", title: t("Awards this month"), rows: rows.map((a) => [a.label, a.household, "+" + a.points]) });
    }
    if (b.sections.includes("deductions")) {
      const rows = b.deductions.map((d) => [d.group, f("{count} deductions", d), "-" + d.points]);
      for (const part of chunks(rows, BOARD_ROWS, 2)) pages.push({ kind: "deductions", title: t("Deductions this month, by group"), rows: part });
      if (!rows.length) pages.push({ kind: "deductions", title: t("Deductions this month, by group"), rows: [[t("No deductions this month."), "", ""]] });
    }
    for (const rows of chunks(b.ranking, BOARD_ROWS, 5)) {
      pages.push({ kind: "ranking", title: t("Honour points this month"), rows: rows.map((r) => [String(r.rank), r.household, f("{points} points", r)]) });
    }
    const d = b.next_exchange_day;
    if (d) pages.push({ kind: "exchange-day", title: t("Next exchange day"), rows: [[d.day + " " + d.opens + "-" + d.closes, d.note, ""]] });
    return pages;
  }
  async function loadBoard() {
    try { boardData = await call("GET", "/api/board"); } catch (e) { return; }
    boardPages = pagesOf(boardData);
    boardTurn = 0;
    keepBoardHeight(0);
    if (!$("idle").hidden) rotateBoard();
  }
  function showBoardPage() {
    const box = $("board");
    if (!boardPages.length) { box.hidden = true; $("idle").classList.remove("has-board"); return; }
    const page = boardPages[boardTurn % boardPages.length];
    box.dataset.kind = page.kind;
    $("board-title").textContent = page.title;
    const list = $("board-rows");
    list.replaceChildren();
    for (const cells of page.rows) {
      const li = el("li", "board-row");
      cells.forEach((text, i) => { if (text) li.append(el("span", "cell c" + i, text)); });
      list.append(li);
    }
    $("board-digest").hidden = !boardData.digest;
    if (boardData.digest) $("board-digest").textContent = f("Check code for {month}: {digest}", boardData);
    $("board-turn").textContent = (boardTurn % boardPages.length + 1) + " / " + boardPages.length;
    box.hidden = false;
    $("idle").classList.add("has-board");
    keepBoardHeight(Math.max(boardHeight, box.offsetHeight));
  }
  function keepBoardHeight(height) {
    boardHeight = height;
    $("board").style.minHeight = height ? height + "px" : "";
  }
  window.addEventListener("resize", () => { keepBoardHeight(0); if (boardTimer !== null) showBoardPage(); });
  function rotateBoard() {
    clearTimeout(boardTimer);
    if ($("idle").hidden) return;
    showBoardPage();
    boardTimer = setTimeout(() => { boardTurn += 1; rotateBoard(); }, (C.board_seconds || 8) * 1000);
  }
  function stopBoard() { clearTimeout(boardTimer); boardTimer = null; }
  window.kioskBoard = { pages: () => boardPages.length, turn: () => boardTurn, running: () => boardTimer !== null };
  const boardLoaded = loadBoard();
  // What the idle screen loads on opening (the board, the notices and their pictures) moves
  // what is below it down when it arrives; once it has, the page says so (body[data-settled]),
  // and from then only the board's turning pages change its height.
  function pictureShown(img) {
    return img.complete ? null : new Promise((done) => {
      img.addEventListener("load", done, { once: true });
      img.addEventListener("error", done, { once: true });
    });
  }
  Promise.allSettled([noticesLoaded, boardLoaded])
    .then(() => Promise.all([...document.querySelectorAll("#announcements img")].map(pictureShown)))
    .then(() => { document.body.dataset.settled = "1"; });

  for (const id of ["history-open", "closed-history"]) $(id).onclick = () => { openHistory().catch(fail); };
  $("history-back").onclick = closeHistory;
  $("history-read").onclick = () => {
    if (!historyData) return;
    const first = historyData.entries[0];
    speakAnyway(first ? historyData.said + " " + first.text : historyData.said);
  };
  $("history-print").onclick = async () => {
    try {
      await call("POST", "/api/session/history/print");
      say(t("Your points history is being printed."), true);
    } catch (err) { fail(err); }
  };
  Promise.all([refresh(), loadProducts()]).catch(fail);
  listen();
  window.kioskScan = scan;
})();

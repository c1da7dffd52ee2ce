"use strict";
// The resident's touch screen: shows the terminal's session and sends taps and scans to the API.
(() => {
  const M = JSON.parse(document.getElementById("messages").textContent || "{}");
  const t = (s) => M[s] || s;
  const lang = document.body.dataset.lang;
  const $ = (id) => document.getElementById(id);
  let view = null;
  let products = [];
  let category = null;
  let doneTimer = null;
  let lastCode = null; // the cart line touched last, kept in view
  let checkingOut = false;
  let doneSession = null; // the session just checked out: any view of it is out of date
  // Views arrive from several requests at once (taps, scans, the event stream); one asked for
  // earlier never replaces one asked for later.
  let asked = 0;
  let applied = 0;
  function viewCall(method, path, data) {
    const n = ++asked;
    return call(method, path, data).then((v) => {
      if (n > applied) { applied = n; view = v; render(); }
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

  // Sound: a short rising tone for success, a low double tone for failure (Web Audio, no files).
  let audio = null;
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const tones = ok ? [[880, 0], [1320, 0.12]] : [[220, 0], [180, 0.2]];
      for (const [freq, at] of tones) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = freq;
        gain.gain.value = 0.2;
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + at);
        osc.stop(audio.currentTime + at + 0.15);
      }
    } catch (e) { /* no audio device */ }
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
  function fail(err) { beep(false); say(err.message || String(err), false); }

  function show(id) {
    for (const s of document.querySelectorAll(".screen")) s.hidden = s.id !== id;
  }

  function refresh() { return viewCall("GET", "/api/session"); }
  async function loadProducts() {
    products = await call("GET", "/api/products");
    if (view) render();
  }

  function render() {
    // The done screen stays until the resident taps Done, the timer ends it or a new card starts
    // a session; during checkout the screen waits for the answer instead of the event stream.
    if (checkingOut) return;
    if (doneSession && view.session_id === doneSession) return;
    if (view.mode === "idle") { if ($("done").hidden) show("idle"); return; }
    clearTimeout(doneTimer);
    if (view.mode === "checkin") {
      $("activity-name").textContent = view.activity.name;
      show("checkin");
      return;
    }
    show("shop");
    $("household-name").textContent = view.household.name;
    $("resident-name").textContent = view.resident.name;
    $("balance").textContent = view.household.balance;
    renderMembers();
    renderGoods();
    renderCart();
  }

  function renderMembers() {
    const row = $("for-row");
    const members = view.members || [];
    row.hidden = members.length < 2;
    const box = $("members");
    box.replaceChildren();
    const current = view.beneficiary ? view.beneficiary.id : view.resident.id;
    for (const m of members) {
      const b = document.createElement("button");
      b.textContent = m.id === view.resident.id ? m.name + "（" + t("myself") + "）" : m.name;
      b.className = m.id === current ? "current" : "";
      b.onclick = () => viewCall("POST", "/api/session/beneficiary", { resident_id: m.id }).catch(fail);
      box.append(b);
    }
  }

  function renderGoods() {
    const cats = [...new Set(products.map((p) => p.category))];
    const bar = $("categories");
    bar.replaceChildren();
    for (const c of [null, ...cats]) {
      const b = document.createElement("button");
      b.textContent = c === null ? t("all") : c;
      b.className = c === category ? "current" : "";
      b.onclick = () => { category = c; renderGoods(); };
      bar.append(b);
    }
    const inCart = Object.fromEntries(view.cart.map((l) => [l.product_code, l.qty]));
    const grid = $("goods");
    grid.replaceChildren();
    for (const p of products) {
      if (category !== null && p.category !== category) continue;
      const card = document.createElement("div");
      card.className = "good" + (p.stock <= 0 ? " out" : "");
      card.dataset.code = p.code;
      const name = document.createElement("div");
      name.className = "name";
      name.textContent = p.name;
      const price = document.createElement("div");
      price.className = "price";
      price.textContent = p.points + " " + t("points");
      const stock = document.createElement("div");
      stock.className = "stock";
      stock.textContent = p.stock > 0 ? t("In stock") + " " + p.stock + " " + p.unit : t("Out of stock");
      const add = document.createElement("button");
      add.className = "add";
      add.textContent = "＋ " + t("Add");
      add.setAttribute("aria-label", t("Add") + " " + p.name);
      add.disabled = p.stock <= 0;
      add.onclick = () => setQty(p.code, (inCart[p.code] || 0) + 1);
      const buy = document.createElement("div");
      buy.className = "buy";
      buy.append(price, add);
      card.append(name, stock, buy);
      grid.append(card);
    }
  }

  function renderCart() {
    const list = $("cart-lines");
    list.replaceChildren();
    for (const line of view.cart) {
      const li = document.createElement("li");
      li.dataset.code = line.product_code;
      const name = document.createElement("div");
      name.textContent = line.name + " · " + line.points + " " + t("points");
      const qty = document.createElement("div");
      qty.className = "qty";
      const minus = document.createElement("button");
      minus.textContent = "－";
      minus.setAttribute("aria-label", t("Remove") + " " + line.name);
      minus.onclick = () => setQty(line.product_code, line.qty - 1);
      const n = document.createElement("span");
      n.textContent = line.qty;
      const plus = document.createElement("button");
      plus.textContent = "＋";
      plus.setAttribute("aria-label", t("Add") + " " + line.name);
      plus.onclick = () => setQty(line.product_code, line.qty + 1);
      qty.append(minus, n, plus);
      li.append(name, qty);
      list.append(li);
    }
    const touched = lastCode && list.querySelector(`li[data-code="${CSS.escape(lastCode)}"]`);
    if (touched) touched.scrollIntoView({ block: "nearest" });
    $("cart-empty").hidden = view.cart.length > 0;
    $("total").textContent = view.total;
    $("remaining").textContent = view.remaining;
    $("confirm").disabled = view.cart.length === 0;
  }

  function setQty(code, qty) {
    lastCode = code;
    viewCall("POST", "/api/session/cart", { product_code: code, qty }).catch(fail);
  }

  async function scan(code) {
    try {
      const v = await viewCall("POST", "/api/scan", { code });
      beep(true);
      if (v.scan && v.scan.kind === "checkin") {
        $("checkin-last").textContent = "✔ " + t("Checked in") + "：" + v.scan.resident + " +" + v.scan.points;
      }
      if (v.scan && v.scan.kind === "product") { lastCode = v.scan.product_code; loadProducts(); }
    } catch (e) { fail(e); }
  }

  $("confirm").onclick = async () => {
    $("confirm").disabled = true;
    const sessionId = view.session_id;
    checkingOut = true;
    try {
      const r = await call("POST", "/api/session/checkout", { session_id: sessionId });
      checkingOut = false;
      doneSession = sessionId;
      beep(true);
      $("new-balance").textContent = r.balance_after;
      $("exchange-number").textContent = r.number;
      $("print-state").textContent = r.printed ? t("Receipt printed") : t("The receipt could not be printed; the shopkeeper can reprint it.");
      show("done");
      doneTimer = setTimeout(backToIdle, 20000);
      loadProducts();
    } catch (e) { checkingOut = false; fail(e); refresh().catch(() => {}); }
  };
  function backToIdle() { clearTimeout(doneTimer); show("idle"); refresh().catch(() => {}); }
  $("done-button").onclick = backToIdle;
  for (const b of document.querySelectorAll(".cancel")) {
    b.onclick = () => viewCall("POST", "/api/session/cancel").then(() => show("idle"), fail);
  }
  for (const b of document.querySelectorAll(".demo-card")) b.onclick = () => scan(b.dataset.code);

  // A keyboard-wedge scanner types a code in one burst and ends with Enter; a pause longer
  // than SCAN_GAP_MS drops what came before (stray keys). The gap is read from the events' own
  // time stamps, so a page busy rendering when the keys arrive does not split a scan in two.
  const SCAN_GAP_MS = 250;
  let buffer = "";
  let last = -Infinity;
  document.addEventListener("keydown", (e) => {
    const now = e.timeStamp || performance.now();
    if (now - last > SCAN_GAP_MS) buffer = "";
    last = now;
    if (e.key === "Enter") {
      if (buffer.length >= 3) { e.preventDefault(); scan(buffer); }
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
    source.addEventListener("hello", reload);
    source.addEventListener("change", reload);
    source.onerror = () => { source.close(); setTimeout(listen, 3000); };
  }

  Promise.all([refresh(), loadProducts()]).catch(fail);
  listen();
  window.kioskScan = scan;
})();

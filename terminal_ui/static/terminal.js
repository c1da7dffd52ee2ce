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

  let messageTimer = null;
  function say(text, good) {
    const box = $("message");
    box.textContent = text;
    box.classList.toggle("good", !!good);
    box.hidden = false;
    clearTimeout(messageTimer);
    messageTimer = setTimeout(() => { box.hidden = true; }, 5000);
  }
  function fail(err) { beep(false); say(err.message || String(err), false); }

  function show(id) {
    for (const s of document.querySelectorAll(".screen")) s.hidden = s.id !== id;
  }

  async function refresh() {
    view = await call("GET", "/api/session");
    if (!$("done").hidden && view.mode === "idle") return;
    render();
  }
  async function loadProducts() {
    products = await call("GET", "/api/products");
    if (view && view.mode === "exchange") render();
  }

  function render() {
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
      b.onclick = () => call("POST", "/api/session/beneficiary", { resident_id: m.id }).then(set, fail);
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
      card.append(name, price, stock, add);
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
    $("cart-empty").hidden = view.cart.length > 0;
    $("total").textContent = view.total;
    $("remaining").textContent = view.remaining;
    $("confirm").disabled = view.cart.length === 0;
  }

  function set(v) { view = v; render(); }
  function setQty(code, qty) {
    call("POST", "/api/session/cart", { product_code: code, qty }).then(set, fail);
  }

  async function scan(code) {
    try {
      const v = await call("POST", "/api/scan", { code });
      beep(true);
      if (v.scan && v.scan.kind === "checkin") {
        $("checkin-last").textContent = "✔ " + t("Checked in") + "：" + v.scan.resident + " +" + v.scan.points;
      }
      set(v);
      if (v.scan && v.scan.kind === "product") loadProducts();
    } catch (e) { fail(e); }
  }

  $("confirm").onclick = async () => {
    $("confirm").disabled = true;
    try {
      const r = await call("POST", "/api/session/checkout", { session_id: view.session_id });
      beep(true);
      $("new-balance").textContent = r.balance_after;
      $("exchange-number").textContent = r.number;
      $("print-state").textContent = r.printed ? t("Receipt printed") : t("The receipt could not be printed; the shopkeeper can reprint it.");
      show("done");
      doneTimer = setTimeout(backToIdle, 20000);
      loadProducts();
    } catch (e) { fail(e); refresh(); }
  };
  function backToIdle() { clearTimeout(doneTimer); show("idle"); refresh(); }
  $("done-button").onclick = backToIdle;
  for (const b of document.querySelectorAll(".cancel")) {
    b.onclick = () => call("POST", "/api/session/cancel").then((v) => { set(v); show("idle"); }, fail);
  }
  for (const b of document.querySelectorAll(".demo-card")) b.onclick = () => scan(b.dataset.code);

  // A keyboard-wedge scanner types fast and ends with Enter; people type slowly.
  let buffer = "";
  let last = 0;
  document.addEventListener("keydown", (e) => {
    const now = performance.now();
    if (now - last > 80) buffer = "";
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
    const source = new EventSource("/api/events");
    source.addEventListener("change", (e) => {
      const what = JSON.parse(e.data).what;
      if (what === "stock") loadProducts(); else refresh().catch(() => {});
    });
    source.onerror = () => { source.close(); setTimeout(listen, 3000); };
  }

  Promise.all([refresh(), loadProducts()]).catch(fail);
  listen();
  window.kioskScan = scan;
})();

"use strict";
// Spoken prompts made by the kiosk itself (GET /api/speech), for browsers without a voice of the
// screen's language (Chromium on Linux has none). Each prompt's audio is fetched once and kept
// decoded: a prompt heard again, or prefetched earlier, never asks the kiosk twice. Played with
// Web Audio through a gain node (the shopkeeper's volume).
window.kioskVoice = (() => {
  const KEEP = 80; // decoded prompts kept; the oldest asked-for one goes first beyond that
  const clips = new Map(); // "lang\ntext" -> Promise of an AudioBuffer (null: never playable)
  let context = null;
  let current = null; // the source node playing now
  // What the screen last said, for anyone checking that it really did (and tests).
  const status = { requested: 0, played: 0, text: "", state: "idle" };

  function audio() {
    context = context || new (window.AudioContext || window.webkitAudioContext)();
    if (context.state === "suspended") context.resume().catch(() => {});
    return context;
  }

  // Tell whether the browser has a voice of its own for a language tag (zh-CN: any zh voice).
  function systemVoice(tag) {
    if (!window.speechSynthesis) return false;
    const want = String(tag || "zh-CN").slice(0, 2).toLowerCase();
    return window.speechSynthesis.getVoices().some(
      (v) => String(v.lang).replace("_", "-").toLowerCase().startsWith(want)
    );
  }

  function clip(text, lang) {
    const key = lang + "\n" + text;
    if (clips.has(key)) {
      const found = clips.get(key);
      clips.delete(key); // heard again: kept longest
      clips.set(key, found);
      return found;
    }
    status.requested += 1;
    const url = "/api/speech?lang=" + encodeURIComponent(lang) + "&text=" + encodeURIComponent(text);
    const made = fetch(url, { credentials: "same-origin" })
      .then((res) => {
        if (res.status >= 400 && res.status < 500 && res.status !== 429) return null; // not a prompt
        if (!res.ok) throw new Error("speech " + res.status);
        return res.arrayBuffer().then((bytes) => audio().decodeAudioData(bytes));
      })
      .catch((e) => {
        clips.delete(key); // busy or unreachable: a later prompt may ask again
        throw e;
      });
    clips.set(key, made);
    while (clips.size > KEEP) clips.delete(clips.keys().next().value);
    return made;
  }

  function stop() {
    if (current) {
      try { current.stop(); } catch (e) { /* already ended */ }
      current = null;
    }
  }

  // Say a prompt in the kiosk's voice; a new prompt cuts the one before short.
  async function play(text, lang, volume) {
    stop();
    status.text = text;
    status.state = "loading";
    let buffer = null;
    try {
      buffer = await clip(text, lang);
    } catch (e) {
      status.state = "failed";
      return false;
    }
    if (!buffer || status.text !== text) {
      if (!buffer) status.state = "failed";
      return false;
    }
    const ctx = audio();
    const source = ctx.createBufferSource();
    const gain = ctx.createGain();
    source.buffer = buffer;
    gain.gain.value = Math.max(0, Math.min(1, Number(volume)));
    source.connect(gain).connect(ctx.destination);
    source.onended = () => {
      if (current === source) { current = null; status.state = "ended"; }
    };
    current = source;
    source.start();
    status.played += 1;
    status.state = "playing";
    status.duration = buffer.duration;
    status.volume = gain.gain.value;
    status.context = ctx.state; // "suspended": the browser holds sound back (autoplay policy)
    return true;
  }

  // Fetch prompts ahead, one after another, so the first time they are said they are ready.
  async function prefetch(texts, lang) {
    for (const text of texts || []) {
      try { await clip(text, lang); } catch (e) { /* asked again when said */ }
    }
  }

  // The resident screen names what it says most often (its config): fetch those once, unless
  // the browser's own voice speaks (it may list its voices only a moment after loading).
  const config = document.getElementById("config");
  if (config) {
    const C = JSON.parse(config.textContent || "{}");
    const lang = document.body.dataset.lang || "zh_CN";
    const start = () => {
      if (C.voice && !systemVoice(C.speech_lang)) prefetch(C.speech_prefetch, lang);
    };
    setTimeout(start, 1500);
  }

  return { play, prefetch, stop, systemVoice, status };
})();

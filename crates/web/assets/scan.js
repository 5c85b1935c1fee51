// The scanning page: keyboard-wedge and camera input, a verdict at once, and scans that
// survive the network. Passes are verified on this device with the post's public key
// (WebCrypto Ed25519); every scan gets its own id, waits in IndexedDB until the server has
// committed it, and is sent again (counted once) when the connection returns.
"use strict";
(function () {
  const root = document.getElementById("scanner");
  if (!root) return;
  const form = document.getElementById("scan-form");
  const input = document.getElementById("scan-code");
  const checkpoint = document.getElementById("scan-checkpoint");
  const departure = document.getElementById("scan-departure");
  const box = document.getElementById("verdict");
  const queueLabel = document.getElementById("scan-queue");
  const csrf = root.dataset.csrf;
  const KIT = "drawdown-scan-kit";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/accountability/sw.js", { scope: "/accountability/" }).catch(() => {});
  }

  // ---- the device kit: public keys, revoked passes, clock window (kept for offline use)
  let kit = null;
  try { kit = JSON.parse(localStorage.getItem(KIT) || "null"); } catch (e) { kit = null; }
  async function refreshKit() {
    try {
      const r = await fetch("/api/v1/passes/keys", { credentials: "same-origin" });
      if (r.ok) {
        kit = await r.json();
        localStorage.setItem(KIT, JSON.stringify(kit));
      }
    } catch (e) { /* offline: keep the stored kit */ }
  }

  // ---- the token format (see crates/passes/src/token.rs)
  function b64url(text) {
    const s = text.replace(/-/g, "+").replace(/_/g, "/");
    const bin = atob(s + "===".slice((s.length + 3) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function parse(bytes) {
    let at = 0;
    const need = (n) => { if (at + n > bytes.length) throw new Error("truncated"); const s = bytes.subarray(at, at + n); at += n; return s; };
    const u8 = () => need(1)[0];
    const u16 = () => { const b = need(2); return (b[0] << 8) | b[1]; };
    const u32 = () => { const b = need(4); return ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3]; };
    const text = () => new TextDecoder("utf-8", { fatal: true }).decode(need(u8()));
    if (bytes.length === 0) throw new Error("truncated");
    if (bytes[0] !== 1) throw new Error("wrong_version");
    at = 1;
    const keyId = u32();
    const passId = Array.from(need(8), (b) => b.toString(16).padStart(2, "0")).join("");
    const kind = u8() === 1 ? "household" : "person";
    const subject = text();
    const initials = text();
    const birthYear = u16();
    const heads = u8();
    const lap = u8();
    const dep = text();
    const from = u32();
    const until = u32();
    const bodyLen = at;
    const sig = need(64);
    if (at !== bytes.length) throw new Error("malformed");
    return { keyId, passId, kind, subject, initials, birthYear, heads, lap, departure: dep, from, until, body: bytes.subarray(0, bodyLen), sig };
  }
  const WORDS = {
    unreadable: "not a pass: the code could not be read",
    truncated: "truncated pass: the code is incomplete (scan it again, or print a new pass)",
    wrong_version: "unknown pass version: this pass was not made by this post's system",
    malformed: "malformed pass",
    unknown_key: "unknown key: this pass was not signed by this post",
    bad_signature: "forged or altered pass: the signature does not match",
    revoked: "revoked pass: it was withdrawn; do not admit, refer to the movement officer",
    expired: "expired pass",
    not_yet_valid: "pass not yet valid",
    early: "early: the pass is not valid yet; hold them in the waiting area",
    late: "late: the pass's window has just closed; call the movement officer to re-manifest",
    wrong_departure: "wrong departure: send them to the movement desk",
  };
  // Verifies on this device: signature, revocation, time window, departure. The order of
  // checkpoints needs the history: the server judges it when the scan arrives.
  async function localVerdict(code) {
    let p;
    try { p = parse(b64url(code)); } catch (e) {
      const reason = ["truncated", "wrong_version", "malformed"].includes(e.message) ? e.message : "unreadable";
      return { verdict: "red", reason };
    }
    const info = { heads: p.heads, lap_infants: p.lap, initials: p.initials, birth_year: p.birthYear || null, departure: p.departure };
    const key = kit && kit.keys.find((k) => k.key_id === p.keyId);
    if (!key) return { verdict: "red", reason: "unknown_key" };
    try {
      const k = await crypto.subtle.importKey("raw", b64url(key.public_key), { name: "Ed25519" }, false, ["verify"]);
      if (!(await crypto.subtle.verify({ name: "Ed25519" }, k, p.sig, p.body))) return { verdict: "red", reason: "bad_signature" };
    } catch (e) {
      return Object.assign({ verdict: "amber", reason: "unverified", words: "this browser cannot check signatures: the server will" }, info);
    }
    if (kit.revoked.includes(p.passId)) return Object.assign({ verdict: "red", reason: "revoked" }, info);
    const now = Date.now() / 1000, lee = kit.skew_window_seconds, grace = kit.grace_seconds;
    if (now + lee < p.from) return Object.assign({ verdict: now + grace >= p.from ? "amber" : "red", reason: now + grace >= p.from ? "early" : "not_yet_valid" }, info);
    if (now - lee > p.until) return Object.assign({ verdict: now - grace <= p.until ? "amber" : "red", reason: now - grace <= p.until ? "late" : "expired" }, info);
    const here = departure.value.trim();
    if (here && here !== p.departure) return Object.assign({ verdict: "amber", reason: "wrong_departure" }, info);
    return Object.assign({ verdict: "green", reason: "expected", words: "expected here now (checked on this device)" }, info);
  }

  // ---- the verdict, big
  const HEAD = { green: "GO: expected here now", amber: "CHECK: known, but something is off", red: "STOP: refused" };
  function heads(h, l) {
    if (!h) return "";
    if (h === 1) return "1 person";
    return "Household: count " + h + " people" + (l ? ", " + l + (l === 1 ? " of them a lap infant" : " of them lap infants") : "");
  }
  function show(v, note) {
    box.hidden = false;
    box.className = "verdict verdict-" + (v.verdict || "red");
    box.querySelector(".verdict-word").textContent = v.status === "rejected" ? "NOT READ: check the input" : HEAD[v.verdict] || HEAD.red;
    box.querySelector(".verdict-why").textContent = (v.words || WORDS[v.reason] || v.reason || "") + (note ? " " + note : "");
    box.querySelector(".verdict-heads").textContent = heads(v.heads, v.lap_infants);
    const who = [];
    if (v.initials) who.push("holder " + v.initials);
    if (v.birth_year) who.push("born " + v.birth_year);
    if (v.departure) who.push("departure " + v.departure);
    box.querySelector(".verdict-who").textContent = who.join(" · ");
  }

  // ---- the queue: IndexedDB, one record per scan, removed once the server has it
  let dbp = null;
  function db() {
    if (!dbp) {
      dbp = new Promise((resolve, reject) => {
        const r = indexedDB.open("drawdown-scans", 1);
        r.onupgradeneeded = () => r.result.createObjectStore("queue", { keyPath: "id" });
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    }
    return dbp;
  }
  async function store(mode, fn) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const tx = d.transaction("queue", mode);
      const req = fn(tx.objectStore("queue"));
      tx.oncomplete = () => resolve(req && req.result);
      tx.onerror = () => reject(tx.error);
    });
  }
  const enqueue = (scan) => store("readwrite", (s) => s.put(scan));
  const waiting = () => store("readonly", (s) => s.getAll());
  const forget = (ids) => store("readwrite", (s) => { ids.forEach((id) => s.delete(id)); return null; });
  async function label() {
    const n = (await waiting()).length;
    queueLabel.textContent = n ? n + (n === 1 ? " scan waits" : " scans wait") + " to be sent" : "all scans sent";
    queueLabel.dataset.waiting = String(n);
  }

  let sending = false;
  // Sends every waiting scan; returns the server's answers by id (empty when offline).
  async function flush() {
    if (sending) return {};
    sending = true;
    const answers = {};
    try {
      const scans = await waiting();
      for (let i = 0; i < scans.length; i += 500) {
        const chunk = scans.slice(i, i + 500);
        const r = await fetch("/api/v1/scans", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify({ sent_at: new Date().toISOString(), scans: chunk }),
        });
        if (!r.ok) break;
        const body = await r.json();
        // Recorded, replayed and rejected alike are settled: none is sent again.
        await forget(body.results.map((a) => a.id).filter(Boolean));
        body.results.forEach((a) => { if (a.id) answers[a.id] = a; });
      }
    } catch (e) { /* offline: they wait */ }
    sending = false;
    await label();
    return answers;
  }

  function newId() {
    return (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  async function check(code) {
    code = code.trim();
    if (!code) return;
    const scan = { id: newId(), checkpoint: checkpoint.value, scanned_at: new Date().toISOString() };
    if (UUID.test(code)) scan.person = code; else scan.token = code;
    if (departure.value.trim()) scan.departure = departure.value.trim();
    let local = null;
    if (scan.token) {
      local = await localVerdict(code);
      show(local, "(checking with the server…)");
    }
    await enqueue(scan);
    const answers = await flush();
    const a = answers[scan.id];
    if (a) show(a.status === "rejected" ? Object.assign({}, a, { verdict: "red" }) : Object.assign({}, local || {}, a));
    else if (local) show(local, "(offline: checked on this device; the scan will be sent when the connection returns)");
    else show({ verdict: "amber", reason: "queued", words: "offline: scan kept, sent when the connection returns" });
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const code = input.value;
    input.value = "";
    check(code).finally(() => input.focus());
  });
  // A handheld scanner types into whatever has focus: keep it on the input.
  document.addEventListener("click", (ev) => {
    if (!ev.target.closest("input, select, textarea, button, a, summary, details")) input.focus();
  });
  input.addEventListener("blur", () => {
    setTimeout(() => {
      const a = document.activeElement;
      if (!a || a === document.body) input.focus();
    }, 150);
  });

  // ---- the camera (jsQR, bundled)
  const camBtn = document.getElementById("scan-camera");
  const video = document.getElementById("scan-video");
  if (navigator.mediaDevices && window.jsQR) {
    camBtn.hidden = false;
    let stream = null, last = "", lastAt = 0;
    const canvas = document.createElement("canvas");
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const tick = () => {
      if (!stream) return;
      if (video.readyState >= 2) {
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        ctx.drawImage(video, 0, 0);
        const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
        const qr = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
        const now = Date.now();
        if (qr && qr.data && (qr.data !== last || now - lastAt > 4000)) {
          last = qr.data; lastAt = now;
          check(qr.data);
        }
      }
      setTimeout(() => requestAnimationFrame(tick), 150);
    };
    camBtn.addEventListener("click", async () => {
      if (stream) {
        stream.getTracks().forEach((t) => t.stop());
        stream = null; video.hidden = true; camBtn.textContent = "Use the camera";
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        video.srcObject = stream; video.hidden = false; await video.play();
        camBtn.textContent = "Stop the camera";
        tick();
      } catch (e) {
        show({ verdict: "amber", reason: "camera", words: "the camera could not be opened (" + e.name + "): type or use a handheld scanner" });
      }
    });
  }

  window.addEventListener("online", () => { refreshKit(); flush(); });
  setInterval(flush, 15000);
  refreshKit().then(flush);
  label();
  input.focus();
})();

// Keeps the scanning page available without the network: the page and its scripts are
// cached when fetched; when the server cannot be reached, the cached copy answers.
// Scans themselves wait in IndexedDB (see scan.js), not here.
"use strict";
const CACHE = "drawdown-scan-v1";
const SHELL = ["/accountability/scan", "/assets/app.css", "/assets/app.js", "/assets/scan.js", "/assets/jsqr.js"];

self.addEventListener("install", (ev) => {
  ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (ev) => {
  ev.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});
self.addEventListener("fetch", (ev) => {
  const url = new URL(ev.request.url);
  if (ev.request.method !== "GET" || url.origin !== self.location.origin) return;
  const shell = url.pathname === "/accountability/scan" || SHELL.includes(url.pathname);
  if (!shell) return;
  // Network first (fresh CSRF token, fresh scripts), the cached copy when offline.
  ev.respondWith(
    fetch(ev.request)
      .then((res) => {
        if (res.ok) {
          const copy = res.clone();
          caches.open(CACHE).then((c) => c.put(url.pathname, copy));
        }
        return res;
      })
      .catch(() => caches.match(url.pathname).then((r) => r || Response.error()))
  );
});

// The page's service worker: the page reloads offline. Network first (an update is seen at once), and
// every same-origin file fetched is kept in the cache, which answers when the network does not. It
// caches only this site's own files (the page and the package); it never talks to another host.
const CACHE = "portfolio-margin-v2";
/** The files the page and its worker need, kept at install; the page adds what it actually loaded
 * (the package's snippets have hashed names) by a message once it is running. */
const CORE = ["./", "./index.html", "./style.css", "./app.js", "./dom.js", "./format.js", "./risk.js", "./chart.js", "./inputs.js", "./views.js", "./compare.js", "./optimize.js",
  "./vendor/uPlot.esm.js", "./vendor/uPlot.min.css",
  "./pkg/portfolio_margin.js", "./pkg/portfolio_margin_bg.wasm", "./pkg/worker-client.js", "./pkg/worker.js", "./pkg/market-edit.js",
  "./pkg/full/portfolio_margin.js", "./pkg/full/portfolio_margin_bg.wasm",
  // the hedge build, loaded when a hedge is optimised (its snippet is kept when fetched, as every file is)
  "./pkg/hedge/portfolio_margin.js", "./pkg/hedge/portfolio_margin_bg.wasm"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(CORE)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});
const sameOrigin = (url) => new URL(url, self.location.href).origin === self.location.origin;
self.addEventListener("message", (event) => {
  const urls = (event.data?.cache ?? []).filter((u) => typeof u === "string" && sameOrigin(u));
  event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(urls.map((u) => cache.match(u).then((hit) => hit ?? cache.add(u).catch(() => {}))))));
});
self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET" || !sameOrigin(request.url)) return; // not ours: the browser's own handling
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) cache.put(request, response.clone());
      return response;
    } catch (offline) {
      const hit = await cache.match(request, { ignoreSearch: true })
        ?? (request.mode === "navigate" ? await cache.match("./index.html") : undefined);
      if (hit) return hit;
      throw offline;
    }
  })());
});

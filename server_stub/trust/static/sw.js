// Service worker of the verifier page: network first, the cache when offline (page, scripts, trust list).
const CACHE = "madoguchi-verify-v1";
const PRECACHE = ["/verify", "/verify/static/verify.js", "/verify/static/jsQR.js", "/verify/static/verify.css",
                  "/verify/static/jsQR-LICENSE.txt"];
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!(url.pathname === "/verify" || url.pathname.startsWith("/verify/") || url.pathname === "/trust/v1/list")) return;
  event.respondWith(
    fetch(event.request).then((response) => {
      if (response.ok) { const copy = response.clone(); caches.open(CACHE).then((c) => c.put(url.pathname, copy)); }
      return response;
    }).catch(() => caches.match(url.pathname).then((hit) => {
      if (!hit) return Response.error();
      const headers = new Headers(hit.headers);
      headers.set("X-Madoguchi-Offline", "1");  // the page tells the reader the list is the cached one
      return hit.blob().then((body) => new Response(body, { status: hit.status, headers }));
    }))
  );
});

/**
 * The service worker: short and boring on purpose. It precaches the app shell that vite-plugin-pwa
 * injects, serves it cache-first so the app opens offline, keeps one versioned cache, and waits for
 * the page to say "skip-waiting" (the user accepted the update prompt) before taking over.
 */
/// <reference lib="webworker" />
export {}
declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> }

const CACHE_PREFIX = 'clearskies-shell-'
const manifest = self.__WB_MANIFEST
const CACHE_NAME = CACHE_PREFIX + versionOf(manifest.map((e) => `${e.url}@${e.revision ?? ''}`).join('\n'))
const SHELL_URL = new URL('index.html', self.registration.scope).href
/** Paths the server answers live; never from the cache. */
const LIVE_PATHS = ['/tracker', '/healthz', '/bridge']

function versionOf(text: string): string {
  let h = 0x811c9dc5 // FNV-1a: enough to tell one build's manifest from another's
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return (h >>> 0).toString(16)
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE_NAME).then(async (cache) => {
      for (const entry of manifest) {
        const url = new URL(entry.url, self.registration.scope).href
        const response = await fetch(url, { cache: 'reload' })
        if (!response.ok) throw new Error(`precache: ${url} answered ${response.status}`)
        await cache.put(url, response)
      }
    }),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys()
      await Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE_NAME).map((n) => caches.delete(n)))
      await self.clients.claim()
    })(),
  )
})

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting' || (event.data as { type?: string } | null)?.type === 'SKIP_WAITING') {
    void self.skipWaiting()
  }
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== self.location.origin) return
  if (LIVE_PATHS.some((p) => url.pathname.startsWith(p))) return
  if (request.mode === 'navigate') {
    event.respondWith(caches.match(SHELL_URL, { ignoreVary: true }).then((cached) => cached ?? fetch(request)))
    return
  }
  event.respondWith(caches.match(request, { ignoreSearch: true, ignoreVary: true }).then((cached) => cached ?? fetch(request)))
})

/**
 * The service worker: short and boring on purpose. It precaches the app shell that vite-plugin-pwa
 * injects, serves it cache-first so the app opens offline, keeps one versioned cache, and waits for
 * the page to say "skip-waiting" (the user accepted the update prompt) before taking over. It also
 * receives what other apps share to ClearSkies (the manifest's share_target): files wait in a
 * cache for the page to put them in a share; a shared link or text that holds an access code
 * opens the join dialog.
 */
/// <reference lib="webworker" />
import { INCOMING_CACHE, INCOMING_PARAM, SHARE_TARGET_PATH } from '../src/app/incoming'
declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<{ url: string; revision: string | null }>
}

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
      await Promise.all(
        names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE_NAME).map((n) => caches.delete(n)),
      )
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
  if (
    request.method === 'POST' &&
    url.origin === self.location.origin &&
    url.pathname === SHARE_TARGET_PATH
  ) {
    event.respondWith(receiveShared(request))
    return
  }
  if (request.method !== 'GET' || url.origin !== self.location.origin) return
  if (LIVE_PATHS.some((p) => url.pathname.startsWith(p))) return
  if (request.mode === 'navigate') {
    event.respondWith(
      caches.match(SHELL_URL, { ignoreVary: true }).then((cached) => cached ?? fetch(request)),
    )
    return
  }
  event.respondWith(
    caches
      .match(request, { ignoreSearch: true, ignoreVary: true })
      .then((cached) => cached ?? fetch(request)),
  )
})

/** Keeps shared files for the page and opens the app on them (303: the browser follows with a GET). */
async function receiveShared(request: Request): Promise<Response> {
  const scope = self.registration.scope
  const data = await request.formData()
  const files = data.getAll('files').filter((f): f is File => typeof f !== 'string')
  if (files.length === 0) {
    const text = [data.get('url'), data.get('text'), data.get('title')].find(
      (v): v is string => typeof v === 'string' && v !== '',
    )
    return Response.redirect(text ? `${scope}#${encodeURIComponent(text)}` : scope, 303)
  }
  const cache = await caches.open(INCOMING_CACHE)
  // Each share sheet's files under a key of their own: shared twice before the page takes them,
  // the second batch's first file would otherwise replace the first batch's.
  const batch = crypto.randomUUID()
  for (const [index, file] of files.entries()) {
    const key = new URL(
      `${SHARE_TARGET_PATH}/${batch}/${index}/${encodeURIComponent(file.name || 'shared-file')}`,
      scope,
    ).href
    await cache.put(
      key,
      new Response(file, { headers: { 'content-type': file.type || 'application/octet-stream' } }),
    )
  }
  return Response.redirect(`${scope}?${INCOMING_PARAM}`, 303)
}

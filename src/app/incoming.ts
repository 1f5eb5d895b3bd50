/**
 * Files other apps shared to ClearSkies (the manifest's share_target): the service worker keeps
 * them in a cache and opens the app with `?incoming`; the page takes them from there once the
 * person has chosen the share they go into.
 */
export const INCOMING_CACHE = 'clearskies-incoming'
export const INCOMING_PARAM = 'incoming'
/** The manifest's share_target action; the service worker answers its POST. */
export const SHARE_TARGET_PATH = '/share-target'

export async function incomingFiles(): Promise<File[]> {
  if (!('caches' in globalThis) || !(await caches.has(INCOMING_CACHE))) return []
  const cache = await caches.open(INCOMING_CACHE)
  const files: File[] = []
  for (const request of await cache.keys()) {
    const response = await cache.match(request)
    if (!response) continue
    const name = decodeURIComponent(new URL(request.url).pathname.split('/').pop() ?? 'shared-file')
    files.push(new File([await response.blob()], name, { type: response.headers.get('content-type') ?? '' }))
  }
  return files
}

export async function clearIncoming(): Promise<void> {
  if ('caches' in globalThis) await caches.delete(INCOMING_CACHE)
}

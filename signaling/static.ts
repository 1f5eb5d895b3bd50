/**
 * Serves the built PWA (vite's `dist/`). Hashed files under /assets/ never change, so browsers may
 * keep them for a year without asking; everything else (index.html, sw.js, the manifest,
 * registerSW.js) is revalidated on every load, so a new deployment reaches users at once and the
 * service worker's update check is never answered from a stale cache. Paths without an extension
 * fall back to index.html (the app routes them); anything else missing is a 404.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, resolve, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'

export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable'
export const REVALIDATE_CACHE = 'no-cache'
const HASHED_PREFIX = '/assets/'
const INDEX = '/index.html'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

export function createStaticHandler(root: string): RequestHandler {
  const base = resolve(root)
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return plain(res, 405, 'method not allowed', { Allow: 'GET, HEAD' })
    let pathname: string
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
    } catch {
      return plain(res, 400, 'bad path')
    }
    if (pathname.includes('\0')) return plain(res, 400, 'bad path')
    if (pathname === '/') pathname = INDEX
    const file = await findFile(base, pathname)
    if (file) return serve(req, res, file, pathname)
    // An extensionless path outside /assets/ is a route of the single-page app.
    const isRoute = !pathname.startsWith(HASHED_PREFIX) && extname(pathname) === ''
    const index = isRoute ? await findFile(base, INDEX) : undefined
    if (index) return serve(req, res, index, INDEX)
    return plain(res, 404, isRoute ? 'the app is not built here: run npm run build' : 'not found')
  }
}

interface FoundFile {
  path: string
  size: number
  mtimeMs: number
}

/** The regular file at `pathname` under `base`, never outside it. */
async function findFile(base: string, pathname: string): Promise<FoundFile | undefined> {
  const path = resolve(base, `.${pathname}`)
  if (!path.startsWith(base + sep)) return undefined
  try {
    const info = await stat(path)
    return info.isFile() ? { path, size: info.size, mtimeMs: info.mtimeMs } : undefined
  } catch {
    return undefined
  }
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  file: FoundFile,
  pathname: string,
): Promise<void> {
  const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`
  res.setHeader('Cache-Control', pathname.startsWith(HASHED_PREFIX) ? IMMUTABLE_CACHE : REVALIDATE_CACHE)
  res.setHeader('ETag', etag)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Content-Type', CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream')
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304).end()
    return
  }
  res.setHeader('Content-Length', file.size)
  if (req.method === 'HEAD') {
    res.writeHead(200).end()
    return
  }
  res.writeHead(200)
  await pipeline(createReadStream(file.path), res).catch(() => res.destroy())
}

export function plain(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': REVALIDATE_CACHE,
      ...headers,
    })
    .end(`${text}\n`)
}

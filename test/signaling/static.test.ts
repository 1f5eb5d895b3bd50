/** Serving the built app: caching headers, SPA fallback, 404s, and no way out of the folder. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SignalingServer } from '../../signaling/server'
import { startServer } from './helpers'

let dir: string
let server: SignalingServer

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signaling-static-'))
  await mkdir(join(dir, 'assets'))
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>ClearSkies</title>')
  await writeFile(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {})')
  await writeFile(join(dir, 'manifest.webmanifest'), '{"name":"ClearSkies"}')
  await writeFile(join(dir, 'assets', 'index-3f2a9c.js'), 'console.log(1)')
  await writeFile(join(tmpdir(), 'outside-secret.txt'), 'secret')
  server = await startServer(['--static', dir])
})

afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
  await rm(join(tmpdir(), 'outside-secret.txt'), { force: true })
})

async function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}${path}`, { headers })
  return { status: res.status, headers: res.headers, body: await res.text() }
}

describe('static serving', () => {
  it.each([
    ['/', 'no-cache', 'text/html; charset=utf-8'],
    ['/index.html', 'no-cache', 'text/html; charset=utf-8'],
    ['/sw.js', 'no-cache', 'text/javascript; charset=utf-8'],
    ['/manifest.webmanifest', 'no-cache', 'application/manifest+json'],
    ['/assets/index-3f2a9c.js', 'public, max-age=31536000, immutable', 'text/javascript; charset=utf-8'],
  ])('%s: Cache-Control %s', async (path, cache, type) => {
    const res = await get(path)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe(cache)
    expect(res.headers.get('content-type')).toBe(type)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('falls back to index.html for app routes, but not for missing files', async () => {
    const route = await get('/share/abc')
    expect(route.status).toBe(200)
    expect(route.body).toContain('<title>ClearSkies</title>')
    expect(route.headers.get('cache-control')).toBe('no-cache')
    expect((await get('/assets/missing-123.js')).status).toBe(404)
    expect((await get('/missing.png')).status).toBe(404)
  })

  it('answers a revalidation with 304', async () => {
    const first = await get('/sw.js')
    const etag = first.headers.get('etag') ?? ''
    expect(etag).toMatch(/^W\/"/)
    expect((await get('/sw.js', { 'If-None-Match': etag })).status).toBe(304)
  })

  it('never serves a file outside the folder', async () => {
    const raw = await new Promise<number>((resolve, reject) => {
      // fetch() normalizes dot segments; a raw request sends them as typed.
      const req = request(
        { host: '127.0.0.1', port: server.httpPort, path: '/../outside-secret.txt' },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(raw).toBe(404)
    expect((await get('/%2e%2e/outside-secret.txt')).status).toBe(404)
    expect((await get('/..%2Foutside-secret.txt')).status).toBe(404)
  })

  it('refuses other methods', async () => {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/`, { method: 'POST' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, HEAD')
  })
})

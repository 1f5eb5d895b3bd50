/**
 * The PWA shell: the built app, served by the signaling server, loads, its service worker activates and controls the page, the
 * manifest passes the installability basics, and a reload with the server down still shows the app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright'
import { launchChromium } from './support/browser'
import { startTestSignaling } from './support/signaling'

let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

describe('the app shell', () => {
  it('loads, installs its service worker, and opens offline', async () => {
    const signaling = await startTestSignaling()
    const server = { url: signaling.url, stop: () => signaling.server.close() }
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))

    await page.goto(server.url)
    await expect(page.locator('cs-app h1').textContent()).resolves.toBe('ClearSkies')

    // The service worker activates and takes control of the page (clients.claim).
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null)

    // Installability basics, as Chromium checks them: a linked manifest with name, start_url,
    // display standalone or fullscreen, and PNG icons of 192 and 512 px that load.
    const manifestHref = await page.getAttribute('link[rel="manifest"]', 'href')
    expect(manifestHref).toBeTruthy()
    const manifestUrl = new URL(manifestHref!, server.url).href
    const manifest = (await (await fetch(manifestUrl)).json()) as {
      name: string
      short_name: string
      start_url: string
      display: string
      icons: Array<{ src: string; sizes: string; type: string; purpose?: string }>
    }
    expect(manifest.name).toBe('ClearSkies')
    expect(manifest.start_url).toBe('/')
    expect(['standalone', 'fullscreen']).toContain(manifest.display)
    for (const size of ['192x192', '512x512']) {
      const icon = manifest.icons.find((i) => i.sizes === size && i.type === 'image/png')
      expect(icon, `icon ${size}`).toBeTruthy()
      const res = await fetch(new URL(icon!.src, manifestUrl))
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('image/png')
    }
    expect(manifest.icons.some((i) => i.purpose?.includes('maskable'))).toBe(true)

    // Offline: stop the server, reload, and the shell still renders from the service worker's cache.
    await server.stop()
    await page.reload()
    await expect(page.locator('cs-app h1').textContent()).resolves.toBe('ClearSkies')
    expect(errors).toEqual([])
    await context.close()
  })
})

/**
 * Two browser peers in isolated contexts sync a share over real WebRTC, introduced by the real
 * signaling server (run inside the private network namespace: see e2e/README.md).
 */
import { describe, expect, it } from 'vitest'
import { browserAndSignaling } from './support/suite'
import { openApp, shareHashes } from './support/app'

const suite = browserAndSignaling()

type Host = {
  createShare(location: string): Promise<void>
  addFiles(location: string, files: Array<{ path: string; file: File }>): Promise<void>
  createAccessCode(location: string, level: string): Promise<{ code: string; link: string }>
  addShare(code: string, location: string): Promise<void>
}

describe('browser to browser', () => {
  it('a share made in one browser arrives in another, byte for byte', async () => {
    const a = await (await suite.browser.newContext()).newPage()
    const b = await (await suite.browser.newContext()).newPage()
    for (const page of [a, b]) page.on('pageerror', (e) => console.error(`[page] ${e.message}`))
    await openApp(a, suite.signaling.url)
    await openApp(b, suite.signaling.url)

    const code = await a.evaluate(async () => {
      const host = (window as unknown as { clearskies: { host: Host } }).clearskies.host
      await host.createShare('Holiday')
      const big = new Uint8Array(5 * 1024 * 1024)
      for (let i = 0; i < big.length; i += 4096) big[i] = i % 251
      await host.addFiles('Holiday', [
        { path: '/notes.txt', file: new File(['hello from A'], 'notes.txt') },
        { path: '/Fotos/strand ☀️.bin', file: new File([big], 'strand.bin') },
        { path: '/Fotos/empty.txt', file: new File([], 'empty.txt') },
      ])
      return (await host.createAccessCode('Holiday', 'read_write')).code
    })
    expect(code).toMatch(/^SYNC[A-Z2-7]{29}$/)

    await b.evaluate(async (code) => {
      const host = (window as unknown as { clearskies: { host: Host } }).clearskies.host
      await host.addShare(code, 'Holiday')
    }, code)

    const expected = await shareHashes(a, 'Holiday')
    expect(Object.keys(expected)).toHaveLength(4)
    await expect.poll(() => shareHashes(b, 'Holiday'), { timeout: 60_000, interval: 500 }).toEqual(expected)
  })
})

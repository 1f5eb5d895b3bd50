/**
 * Browser peers sync with raw-TCP daemons through the bridge, end to end encrypted: the real
 * signaling server, the real bridge (in this process, so a tap can watch the bytes it relays), real
 * daemons started through the CLI, and Chromium, inside the private network namespace (see
 * e2e/README.md). The connection is opened from either side: the browser dials a daemon the tracker
 * listed, and a daemon dials the bridge, which routes it to the browser by its SRP username.
 */
import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright'
import { startBridge, type BridgeServer } from '../bridge/bridge'
import { parseBridgeConfig } from '../bridge/config'
import { createLogger } from '../signaling/log'
import { makeDaemon, share, stopAll } from '../test/daemon/daemons'
import { launchChromium } from './support/browser'
import { startTestSignaling, type TestSignaling } from './support/signaling'
import { openApp, shareHashes } from './support/app'

/** Sits inside synced files; must never appear in what the bridge relays. */
const MARKER = 'PLAINTEXT-MARKER-7c1f0e'

let browser: Browser
let signaling: TestSignaling
let bridge: BridgeServer
const relayed: Buffer[] = []

beforeAll(async () => {
  browser = await launchChromium()
  signaling = await startTestSignaling()
  const config = parseBridgeConfig(
    [
      '--signaling',
      signaling.url,
      '--listen',
      '127.0.0.1:0',
      '--allow-private',
      '127.0.0.0/8',
      '--log-level',
      'warn',
    ],
    { CLEARSKIES_BRIDGE_TOKEN: signaling.bridgeToken },
  )
  bridge = await startBridge(config, createLogger('warn'), {
    tap: (_direction, bytes) => relayed.push(Buffer.from(bytes)),
  })
})

afterAll(async () => {
  await stopAll()
  await bridge?.close()
  await browser?.close()
  await signaling?.server.close()
})

type Host = {
  createShare(location: string): Promise<void>
  addFiles(location: string, files: Array<{ path: string; file: File }>): Promise<void>
  createAccessCode(location: string, level: string): Promise<{ code: string }>
  addShare(code: string, location: string): Promise<void>
  peers(location: string): Array<{ connection: string }>
}

async function browserPeer(): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  page.on('pageerror', (e) => console.error(`[page] ${e.message}`))
  await openApp(page, signaling.url)
  await expect
    .poll(
      () =>
        page.evaluate(
          () =>
            (window as unknown as { clearskies: { peers: { status: { bridge: boolean } } } }).clearskies.peers
              .status.bridge,
        ),
      { timeout: 30_000 },
    )
    .toBe(true)
  return page
}

const connectionKinds = (page: Page, location: string): Promise<string[]> =>
  page.evaluate(
    async (location) =>
      (await (window as unknown as { clearskies: { host: Host } }).clearskies.host.peers(location)).map(
        (p) => p.connection,
      ),
    location,
  )

async function addBrowserFile(page: Page, location: string, path: string, text: string): Promise<void> {
  await page.evaluate(
    async ({ location, path, text }) => {
      const host = (window as unknown as { clearskies: { host: Host } }).clearskies.host
      await host.addFiles(location, [{ path, file: new File([text], path.slice(1)) }])
    },
    { location, path, text },
  )
}

const daemonFile = (folder: string, name: string): Promise<string> =>
  readFile(join(folder, name), 'utf8').catch(() => '')

const relayedSoFar = (): number => relayed.reduce((total, b) => total + b.length, 0)

/** About `bytes` of log-like text, which deflate shrinks to well under a third. */
function logText(bytes: number, seed: string): string {
  const lines: string[] = []
  for (let i = 0, length = 0; length < bytes; i++) {
    const line = `${seed} ${String(i).padStart(7, '0')} level=info peer=${(i * 7919) % 97} share synced ${i % 13} files\n`
    lines.push(line)
    length += line.length
  }
  return lines.join('').slice(0, bytes)
}

describe('the bridge', () => {
  it('a browser dials a daemon the tracker listed, and they sync both ways', async () => {
    const daemon = await makeDaemon('tcp-owner', [
      '--listen',
      '127.0.0.1:0',
      '--no-lan',
      '--tracker',
      signaling.tcpAddress,
    ])
    await writeFile(join(daemon.folder, 'from-daemon.txt'), `hello from the daemon ${MARKER}`)
    const code = await share(daemon)
    const page = await browserPeer()
    await page.evaluate(
      async (code) =>
        (window as unknown as { clearskies: { host: Host } }).clearskies.host.addShare(code, 'Bridged'),
      code,
    )

    await expect
      .poll(async () => (await shareHashes(page, 'Bridged'))['/from-daemon.txt'], {
        timeout: 60_000,
        interval: 500,
      })
      .toMatch(/^[0-9a-f]{64}$/)
    expect(await connectionKinds(page, 'Bridged')).toContain('bridge')
    expect(bridge.stats.dialled).toBeGreaterThan(0)
    await addBrowserFile(page, 'Bridged', '/from-browser.txt', `hello from the browser ${MARKER}`)
    await expect
      .poll(() => daemonFile(daemon.folder, 'from-browser.txt'), { timeout: 60_000, interval: 500 })
      .toBe(`hello from the browser ${MARKER}`)
    await page.context().close()
  })

  it('a daemon dials the bridge, which routes it to the browser by its SRP username', async () => {
    const page = await browserPeer()
    const code = await page.evaluate(async (marker) => {
      const host = (window as unknown as { clearskies: { host: Host } }).clearskies.host
      await host.createShare('Offered')
      await host.addFiles('Offered', [
        {
          path: '/from-browser.txt',
          file: new File([`offered by the browser ${marker}`], 'from-browser.txt'),
        },
      ])
      return (await host.createAccessCode('Offered', 'read_write')).code
    }, MARKER)
    // No tracker: the daemon knows only the bridge's address, so the connection can only come in.
    const daemon = await makeDaemon('tcp-joiner')
    const inbound = bridge.inbound ?? ''
    expect((await daemon.cli('attach', code, daemon.folder, '--peer', inbound)).code).toBe(0)

    await expect
      .poll(() => daemonFile(daemon.folder, 'from-browser.txt'), { timeout: 60_000, interval: 500 })
      .toBe(`offered by the browser ${MARKER}`)
    expect(await connectionKinds(page, 'Offered')).toContain('bridge')
    expect(bridge.stats.inbound).toBeGreaterThan(0)
    await writeFile(join(daemon.folder, 'from-daemon.txt'), `written at the daemon ${MARKER}`)
    await expect
      .poll(async () => (await shareHashes(page, 'Offered'))['/from-daemon.txt'], {
        timeout: 60_000,
        interval: 500,
      })
      .toMatch(/^[0-9a-f]{64}$/)
    await page.context().close()
  })

  it('the gzip extension: the browser offers it, and text crosses the bridge deflated both ways', async () => {
    const daemon = await makeDaemon('tcp-gzip', [
      '--listen',
      '127.0.0.1:0',
      '--no-lan',
      '--tracker',
      signaling.tcpAddress,
    ])
    const down = logText(4 * 1024 * 1024, 'daemon')
    await writeFile(join(daemon.folder, 'down.log'), down)
    const code = await share(daemon)
    const page = await browserPeer()
    const start = relayedSoFar()
    await page.evaluate(
      async (code) =>
        (window as unknown as { clearskies: { host: Host } }).clearskies.host.addShare(code, 'Deflated'),
      code,
    )
    await expect
      .poll(async () => (await shareHashes(page, 'Deflated'))['/down.log'], {
        timeout: 60_000,
        interval: 500,
      })
      .toBe(createHash('sha256').update(down).digest('hex'))
    const downWire = relayedSoFar() - start

    const up = logText(4 * 1024 * 1024, 'browser')
    const mark = relayedSoFar()
    await addBrowserFile(page, 'Deflated', '/up.log', up)
    await expect.poll(() => daemonFile(daemon.folder, 'up.log'), { timeout: 60_000, interval: 500 }).toBe(up)
    const upWire = relayedSoFar() - mark
    // Without gzip each would be a little over 4 MiB (TLS adds about 0.3%).
    expect(downWire).toBeLessThan(down.length / 3)
    expect(upWire).toBeLessThan(up.length / 3)
    await page.context().close()
  })

  it('refuses to dial, for a browser, an address the tracker never published', async () => {
    const page = await browserPeer()
    const refusedBefore = bridge.stats.refused
    const reason = await page.evaluate(async () => {
      type Clearskies = {
        host: Host & { registrations(): Promise<Array<[string, string]>> }
        peers: { connectTcp(id: string, address: string): Promise<string> }
      }
      const { host, peers } = (window as unknown as { clearskies: Clearskies }).clearskies
      await host.createShare('Lonely')
      const [[id] = ['']] = await host.registrations()
      // A listening daemon would answer here, but nobody published it for this share.
      return peers.connectTcp(id, 'tcp:127.0.0.1:9')
    })
    expect(reason).toMatch(/the bridge refused tcp:127\.0\.0\.1:9/)
    expect(bridge.stats.refused).toBeGreaterThan(refusedBefore)
    await page.context().close()
  })

  it('relayed only ciphertext: the marker inside the synced files never passed through it', () => {
    const all = Buffer.concat(relayed)
    expect(all.length).toBeGreaterThan(4 * MARKER.length)
    expect(all.includes(MARKER)).toBe(false)
  })
})

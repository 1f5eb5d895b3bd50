/**
 * Bridge benchmark: `npm run bench -- bridge [MIB]` (default 256; the figure is 1024).
 *
 * One file of MIB MiB (incompressible) goes, in one run, three ways, each timed from the join to
 * the file being complete at the receiver:
 *   browser -> daemon, through the bridge (the daemon dials the bridge, relayed to the browser)
 *   browser -> browser, direct WebRTC
 *   daemon  -> daemon, direct TCP
 * and the ratio of the bridged figure to the slower direct one is printed (target: >= 70%).
 * Real signaling server, real bridge, real daemons (through the CLI), Chromium, inside the private
 * network namespace (it re-runs itself under scripts/netns-run.sh). Needs `npm run build` first.
 */
import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import type { Browser, Page } from 'playwright'
import { startBridge } from '../../bridge/bridge'
import { parseBridgeConfig } from '../../bridge/config'
import { createLogger } from '../../signaling/log'
import { launchChromium } from '../../e2e/support/browser'
import { startTestSignaling } from '../../e2e/support/signaling'
import { runCli } from '../../test/cli/run-cli'

const MIB = Number(process.argv[2] ?? 256)
const BYTES = MIB * 1024 * 1024
const TIMEOUT_MS = 30 * 60_000
const POLL_MS = 200

if (process.env.CLEARSKIES_IN_NETNS !== '1') {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const run = spawnSync(
    'scripts/netns-run.sh',
    [process.execPath, '--import', 'tsx', 'bench/bridge/index.ts', ...process.argv.slice(2)],
    { cwd: root, stdio: 'inherit' },
  )
  process.exit(run.status ?? 1)
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}

interface Daemon {
  readonly state: string
  readonly folder: string
  readonly address: string
}

async function daemon(root: string, name: string): Promise<Daemon> {
  const state = join(root, name, 'state')
  const folder = join(root, name, 'files')
  await mkdir(folder, { recursive: true })
  const started = await runCli(['start', '--listen', '127.0.0.1:0', '--no-lan', '--state', state, '--json'])
  if (started.code !== 0) throw new Error(`daemon ${name}: ${started.stderr}`)
  return { state, folder, address: String((JSON.parse(started.stdout) as { listen: unknown }).listen) }
}

async function cli(d: Daemon, ...args: string[]): Promise<string> {
  const result = await runCli([...args, '--state', d.state])
  if (result.code !== 0) throw new Error(`clearskies ${args[0]}: ${result.stderr}`)
  return result.stdout
}

const complete = (path: string) => async (): Promise<boolean> =>
  (await stat(path).catch(() => undefined))?.size === BYTES

/** The page-side code, as text: this file compiles for Node, without the DOM's types. */
const page = {
  shareBigFile: (location: string, mib: number) => `(async () => {
    const host = window.clearskies.host
    await host.createShare(${JSON.stringify(location)})
    const chunk = new Uint8Array(1 << 20)
    for (let at = 0; at < chunk.length; at += 65536) crypto.getRandomValues(chunk.subarray(at, at + 65536))
    const file = new File(Array.from({ length: ${mib} }, () => chunk), 'big.bin')
    await host.addFiles(${JSON.stringify(location)}, [{ path: '/big.bin', file }])
    return (await host.createAccessCode(${JSON.stringify(location)}, 'read_write')).code
  })()`,
  join: (code: string, location: string) =>
    `window.clearskies.host.addShare(${JSON.stringify(code)}, ${JSON.stringify(location)})`,
  hasBigFile: (location: string) => `(async () => {
    try { return (await window.clearskies.host.listFiles(${JSON.stringify(location)})).some((f) => f.path === '/big.bin' && f.present) } catch { return false }
  })()`,
  bridged: 'window.clearskies.peers.status.bridge',
}

async function openPage(browser: Browser, url: string): Promise<Page> {
  const p = await (await browser.newContext()).newPage()
  await p.goto(url)
  await p.waitForFunction('"clearskies" in window', undefined, { timeout: 120_000 })
  return p
}

const mbps = (ms: number): number => BYTES / 1e6 / (ms / 1000)

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'cs-bench-bridge-'))
  const signaling = await startTestSignaling()
  const bridge = await startBridge(
    parseBridgeConfig(
      [
        '--signaling',
        signaling.url,
        '--listen',
        '127.0.0.1:0',
        '--max-bytes-per-s-per-peer',
        '0',
        '--log-level',
        'warn',
      ],
      { CLEARSKIES_BRIDGE_TOKEN: signaling.bridgeToken },
    ),
    createLogger('warn'),
  )
  const browser = await launchChromium()
  const daemons: Daemon[] = []
  try {
    // Browser -> daemon through the bridge.
    const sender = await openPage(browser, signaling.url)
    await until('the bridge', async () => (await sender.evaluate(page.bridged)) === true)
    const code = String(await sender.evaluate(page.shareBigFile('Bench', MIB)))
    const viaBridge = await daemon(root, 'bridged')
    daemons.push(viaBridge)
    let t0 = performance.now()
    await cli(viaBridge, 'attach', code, viaBridge.folder, '--peer', bridge.inbound ?? '')
    await until('the bridged copy', complete(join(viaBridge.folder, 'big.bin')))
    const bridgedMs = performance.now() - t0

    // Browser -> browser, direct.
    const receiver = await openPage(browser, signaling.url)
    const code2 = String(
      await sender.evaluate(
        `window.clearskies.host.createAccessCode('Bench', 'read_write').then((c) => c.code)`,
      ),
    )
    t0 = performance.now()
    await receiver.evaluate(page.join(code2, 'Bench'))
    await until('the browser copy', async () => (await receiver.evaluate(page.hasBigFile('Bench'))) === true)
    const browsersMs = performance.now() - t0
    await receiver.context().close()
    await sender.context().close()

    // Daemon -> daemon, direct.
    const owner = await daemon(root, 'owner')
    const joiner = await daemon(root, 'joiner')
    daemons.push(owner, joiner)
    await writeFile(
      join(owner.folder, 'big.bin'),
      Buffer.concat(Array.from({ length: MIB }, () => randomBytes(1 << 20))),
    )
    const code3 = String(
      (JSON.parse(await cli(owner, 'share', owner.folder, '--json')) as { access_code: unknown }).access_code,
    )
    t0 = performance.now()
    await cli(joiner, 'attach', code3, joiner.folder, '--peer', owner.address)
    await until('the daemon copy', complete(join(joiner.folder, 'big.bin')))
    const daemonsMs = performance.now() - t0

    const slower = Math.min(mbps(browsersMs), mbps(daemonsMs))
    console.log(`file: ${MIB} MiB, each timed from the join to the complete file at the receiver`)
    console.log(
      `browser -> daemon via bridge: ${mbps(bridgedMs).toFixed(1)} MB/s (${(bridgedMs / 1000).toFixed(1)} s)`,
    )
    console.log(
      `browser -> browser direct:    ${mbps(browsersMs).toFixed(1)} MB/s (${(browsersMs / 1000).toFixed(1)} s)`,
    )
    console.log(
      `daemon  -> daemon direct:     ${mbps(daemonsMs).toFixed(1)} MB/s (${(daemonsMs / 1000).toFixed(1)} s)`,
    )
    console.log(
      `bridge / slower direct:       ${((100 * mbps(bridgedMs)) / slower).toFixed(0)}% (target >= 70%)`,
    )
  } finally {
    for (const d of daemons) await runCli(['stop', '--state', d.state])
    await browser.close()
    await bridge.close()
    await signaling.server.close()
    await rm(root, { recursive: true, force: true })
  }
}

await main()

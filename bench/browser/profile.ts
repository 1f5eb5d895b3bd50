/**
 * Where a browser-to-browser sync spends its CPU (`npx tsx bench/browser/profile.ts`, inside the
 * network namespace like the bench): one big file (BENCH_PROFILE_MIB, 128) synced between two
 * fresh peers as sync.ts does (or BENCH_PROFILE_FILES small files), and while its bytes flow (or
 * from the join: BENCH_PROFILE_FROM=join; raw profiles saved with BENCH_PROFILE_DUMP=folder),
 *   - every Chromium thread's CPU time from /proc (utime + stime), summed by process type and
 *     thread name: the data channels' SCTP/DTLS work runs on the renderers' WebRTC threads,
 *     WebCrypto on the thread pool, JavaScript on the main threads and the engine workers;
 *   - a V8 CPU profile of both pages and both engine workers (CDP `Profiler`, the workers reached
 *     through `Target.setAutoAttach` on each page's session), self time summed by source file.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CDPSession, Page } from 'playwright'
import { placesFor, type Places } from './contexts'
import { launchChromium } from '../../e2e/support/browser'
import { bigFile, fillShare, newPeer, progressOf, smallFiles, startSyncBench } from './sync'
import { reexecInNetns } from './transfer'
import { newRenderers, rendererPids, threadTimes, type ProcessNaming, type ThreadTimes } from './cpu'
import { measureRaw, openRawLink, type RawPlacement } from './datachannel'

const MIB = Number(process.env.BENCH_PROFILE_MIB ?? 128)
/** BENCH_PROFILE_FILES=N profiles N small files (1–8 KiB) instead of the big file. */
const FILES = Number(process.env.BENCH_PROFILE_FILES ?? 0)
const TOP = 25
/** BENCH_PROFILE_FROM=join: measure from B's join (the record exchange too), not from the first byte received. */
const FROM_JOIN = process.env.BENCH_PROFILE_FROM === 'join'
/** BENCH_PROFILE_V8=0: thread times only, without the V8 profiler's own cost (about 6% of the CPU) in them. */
const V8 = process.env.BENCH_PROFILE_V8 !== '0'
/** BENCH_PROFILE_RAW_MIB (256; 0 for none): the raw data channel's threads first, for comparison... */
const RAW_MIB = Number(process.env.BENCH_PROFILE_RAW_MIB ?? 256)
/** ...with its ends on the pages' main threads and in workers (BENCH_PROFILE_RAW=page or worker: one of them). */
const RAW_PLACEMENTS = (process.env.BENCH_PROFILE_RAW ?? 'page,worker')
  .split(',')
  .filter((p): p is RawPlacement => p === 'page' || p === 'worker')

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples?: number[]
  timeDeltas?: number[]
}

/** Self time (ms) by source file (or V8's own "(program)", "(garbage collector)", "(idle)"), and by function. */
function selfTimes(profile: CpuProfile, byFile: Map<string, number>, byFunction: Map<string, number>): void {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    const node = nodes.get(samples[i] ?? -1)
    if (!node) continue
    const ms = (deltas[i + 1] ?? 0) / 1000
    const { url, functionName } = node.callFrame
    const file = url ? (url.split('/').at(-1)?.split('?')[0] ?? url) : functionName
    byFile.set(file, (byFile.get(file) ?? 0) + ms)
    const fn = `${functionName || '(anonymous)'} ${file}:${node.callFrame.lineNumber + 1}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms)
  }
}

/** A V8 profiler on a page and on each worker it starts, through one CDP session (workers via non-flat sessions). */
class PageProfiler {
  private readonly workers = new Map<string, { url: string }>()
  private nextId = 1
  private readonly pending = new Map<number, (result: unknown) => void>()

  private constructor(
    readonly name: string,
    private readonly session: CDPSession,
  ) {
    session.on('Target.attachedToTarget', (event) => {
      if (event.targetInfo.type === 'worker') this.workers.set(event.sessionId, { url: event.targetInfo.url })
    })
    session.on('Target.receivedMessageFromTarget', (event) => {
      const message = JSON.parse(event.message) as { id?: number; result?: unknown }
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result)
    })
  }

  static async attach(name: string, page: Page): Promise<PageProfiler> {
    const session = await page.context().newCDPSession(page)
    const profiler = new PageProfiler(name, session)
    await session.send('Target.setAutoAttach', {
      autoAttach: true,
      waitForDebuggerOnStart: false,
      flatten: false,
    })
    return profiler
  }

  private toWorker(sessionId: string, method: string, params: object = {}): Promise<unknown> {
    const id = this.nextId++
    const reply = new Promise<unknown>((resolve) => this.pending.set(id, resolve))
    void this.session.send('Target.sendMessageToTarget', {
      sessionId,
      message: JSON.stringify({ id, method, params }),
    })
    return reply
  }

  async start(): Promise<void> {
    await this.session.send('Profiler.enable')
    await this.session.send('Profiler.setSamplingInterval', { interval: 500 })
    await this.session.send('Profiler.start')
    for (const sessionId of this.workers.keys()) {
      await this.toWorker(sessionId, 'Profiler.enable')
      await this.toWorker(sessionId, 'Profiler.setSamplingInterval', { interval: 500 })
      await this.toWorker(sessionId, 'Profiler.start')
    }
  }

  /** Profiles named "A page", "A worker <url>", ... */
  async stop(): Promise<Array<[string, CpuProfile]>> {
    const out: Array<[string, CpuProfile]> = [
      [`${this.name} page`, (await this.session.send('Profiler.stop')).profile as CpuProfile],
    ]
    for (const [sessionId, { url }] of this.workers) {
      const result = (await this.toWorker(sessionId, 'Profiler.stop')) as { profile: CpuProfile }
      out.push([`${this.name} worker ${url.split('/').at(-1) ?? url}`, result.profile])
    }
    return out
  }
}

function printTable(
  title: string,
  rows: Map<string, number>,
  total: number,
  unit: string,
  mb?: number,
): void {
  console.log(title)
  for (const [key, value] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    const perMB = mb === undefined ? '' : `  ${((value * 1000) / mb).toFixed(1).padStart(5)} ms/MB`
    console.log(
      `  ${value.toFixed(unit === 's' ? 1 : 0).padStart(7)} ${unit}  ${((value / total) * 100).toFixed(0).padStart(3)}%${perMB}  ${key}`,
    )
  }
}

/** Each thread's CPU seconds between two readings, and per MB moved meanwhile. */
function printThreads(
  what: string,
  before: ThreadTimes,
  after: ThreadTimes,
  seconds: number,
  mb: number,
): void {
  const cpu: ThreadTimes = new Map()
  for (const [key, value] of after) {
    const used = value - (before.get(key) ?? 0)
    if (used > 0.05) cpu.set(key, used)
  }
  const total = [...cpu.values()].reduce((x, y) => x + y, 0)
  console.log(`${what}: ${mb.toFixed(0)} MB in ${seconds.toFixed(1)} s (${(mb / seconds).toFixed(1)} MB/s)`)
  printTable(
    `Chromium CPU: ${total.toFixed(1)} s over ${seconds.toFixed(1)} s wall (2 cores: ${(2 * seconds).toFixed(1)} s at most), ${((total * 1000) / mb).toFixed(0)} ms/MB, by process / thread`,
    cpu,
    total,
    's',
    mb,
  )
}

/** The raw data channel (datachannel.ts) moving `mib` MiB, for the same table as the sync's. */
async function profileRaw(places: Places, mib: number, placement: RawPlacement): Promise<void> {
  const link = await openRawLink(places, placement)
  try {
    await measureRaw(link, 16 * 1024 * 1024) // warm-up
    const naming = { names: link.renderers }
    const before = threadTimes(naming)
    const t0 = performance.now()
    await measureRaw(link, mib * 1024 * 1024)
    printThreads(
      `raw data channel, ends in the ${placement === 'page' ? "pages' main threads" : 'workers'}`,
      before,
      threadTimes(naming),
      (performance.now() - t0) / 1000,
      (mib * 1024 * 1024) / 1e6,
    )
  } finally {
    await link.close()
  }
}

async function main(): Promise<void> {
  const browser = await launchChromium()
  const places = placesFor(browser)
  const bench = await startSyncBench(places)
  try {
    if (RAW_MIB > 0) for (const placement of RAW_PLACEMENTS) await profileRaw(places, RAW_MIB, placement)
    const set = FILES > 0 ? smallFiles(FILES) : bigFile(MIB)
    // Each page's renderer is the one that appeared as it opened: the tables name them A and B.
    const names = new Map<string, string>()
    const known = rendererPids()
    const a = await newPeer(bench)
    for (const pid of newRenderers(known)) names.set(pid, 'A renderer')
    const b = await newPeer(bench)
    for (const pid of newRenderers(known)) names.set(pid, 'B renderer')
    const naming: ProcessNaming = { names }
    const code = await fillShare(a.page, set)
    const profilers = V8
      ? [await PageProfiler.attach('A', a.page), await PageProfiler.attach('B', b.page)]
      : []
    let before = threadTimes(naming)
    let t0 = performance.now()
    if (FROM_JOIN) for (const p of profilers) await p.start()
    await b.page.evaluate(
      ({ code }) =>
        (
          window as unknown as { clearskies: { host: { addShare(c: string, l: string): Promise<void> } } }
        ).clearskies.host.addShare(code, 'Bench'),
      { code },
    )
    // Start measuring once bytes flow, so the handshake and index exchange stay out of it.
    while (((await progressOf(b.page))?.bytesReceived ?? 0) === 0)
      await new Promise((r) => setTimeout(r, 200))
    if (FROM_JOIN) console.log(`first byte ${((performance.now() - t0) / 1000).toFixed(1)} s after the join`)
    const startBytes = FROM_JOIN ? 0 : ((await progressOf(b.page))?.bytesReceived ?? 0)
    if (!FROM_JOIN) {
      before = threadTimes(naming)
      t0 = performance.now()
      for (const p of profilers) await p.start()
    }
    let progress = await progressOf(b.page)
    while (!progress || progress.bytesRemaining > 0 || progress.filesRemaining > 0) {
      await new Promise((r) => setTimeout(r, 500))
      progress = await progressOf(b.page)
    }
    const seconds = (performance.now() - t0) / 1000
    const after = threadTimes(naming)
    const profiles = (await Promise.all(profilers.map((p) => p.stop()))).flat()
    const mb = (progress.bytesReceived - startBytes) / 1e6
    printThreads(
      `sync of ${set.name} between two browser peers, ${FROM_JOIN ? 'from the join' : 'while bytes flowed'}`,
      before,
      after,
      seconds,
      mb,
    )

    // BENCH_PROFILE_DUMP=folder: each V8 profile saved there as well (`.cpuprofile`, for DevTools or a script).
    const dump = process.env.BENCH_PROFILE_DUMP
    if (dump)
      for (const [name, profile] of profiles)
        writeFileSync(join(dump, `${name.replace(/[^\w.-]+/g, '_')}.cpuprofile`), JSON.stringify(profile))
    for (const [name, profile] of profiles) {
      const byFile = new Map<string, number>()
      const byFunction = new Map<string, number>()
      selfTimes(profile, byFile, byFunction)
      const busy = [...byFile].filter(([k]) => k !== '(idle)').reduce((x, [, y]) => x + y, 0)
      printTable(
        `${name}: ${(busy / 1000).toFixed(1)} s busy (not idle), self time by file`,
        byFile,
        busy,
        'ms',
      )
      printTable(
        `${name}: by function`,
        new Map([...byFunction].filter(([k]) => !k.startsWith('(idle)'))),
        busy,
        'ms',
      )
    }
    await a.close()
    await b.close()
  } finally {
    await bench.close()
    await places.dispose()
    await browser.close()
  }
}

reexecInNetns()
await main()

/**
 * The transfer figures of issue 7, printed after the hashing ones in the same Chromium run:
 *   raw:  data-channel throughput between two pages (datachannel.ts), the ceiling, measured before
 *         and after the syncs, with the channel's ends on the pages' main threads and in workers
 *         (where the app's engine has them in Chromium); the ratios are against the faster of the
 *         two, so that neither placement can flatter them;
 *   sync: time and MB/s to sync one big file and many small files between two fresh browser
 *         peers through the real app (sync.ts), and each as a share of the raw figure
 *         (target: the 1 GiB file at 70% or more). Also Chromium's CPU milliseconds per MB moved
 *         (cpu.ts), raw and synced: on a shared machine, a figure the others' load moves far less.
 * Settings (environment): BENCH_RAW_MIB (64) per raw run, BENCH_RAW_RUNS (3), BENCH_SYNC_MIB
 * ("256,1024": one big-file set each; 256 MiB first, since 1 GiB may take minutes here),
 * BENCH_SMALL_FILES (5000), BENCH_TEXT_MIB (256: one file of text, which the gzip extension
 * deflates; 0 to skip), BENCH_SYNC_TIMEOUT_S (600, per set; a set that runs out reports what
 * arrived and its rate), BENCH_PROFILES ("origins", "private" or "disk": see contexts.ts; the raw
 * channel's pages and the peers alike); for A/B runs of the app's build, BENCH_GZIP=0 (the peers do not offer
 * gzip), BENCH_RECORD_CRYPTO=webcrypto and BENCH_PIECE_MIB (sync.ts).
 *
 * WebRTC needs the private network namespace (e2e/README.md): `reexecInNetns()` runs this same
 * command again through scripts/netns-run.sh unless already inside it.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright'
import { placesFor, PROFILES, PROFILES_TEXT } from './contexts'
import {
  DEFAULT_HIGH_WATER_BYTES,
  DEFAULT_LOW_WATER_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
} from '../../src/platform/browser/channel-stream'
import { rawThroughput, type RawFigures, type RawPlacement } from './datachannel'
import {
  bigFile,
  formatSync,
  measureSync,
  smallFiles,
  startSyncBench,
  textFile,
  type SyncResult,
  type SyncSet,
} from './sync'

const RAW_MIB = Number(process.env.BENCH_RAW_MIB ?? 64)
const RAW_RUNS = Number(process.env.BENCH_RAW_RUNS ?? 3)
const SYNC_MIB = (process.env.BENCH_SYNC_MIB ?? '256,1024').split(',').filter(Boolean).map(Number)
const SMALL_FILES = Number(process.env.BENCH_SMALL_FILES ?? 5000)
const TEXT_MIB = Number(process.env.BENCH_TEXT_MIB ?? 256)
const SYNC_TIMEOUT_S = Number(process.env.BENCH_SYNC_TIMEOUT_S ?? 600)

/** Re-runs this process inside the network namespace and exits with its status; returns if already inside. */
export function reexecInNetns(): void {
  if (process.env.CLEARSKIES_IN_NETNS === '1') return
  const script = fileURLToPath(new URL('../../scripts/netns-run.sh', import.meta.url))
  const result = spawnSync(script, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  })
  process.exit(result.status ?? 1)
}

export async function printTransferFigures(browser: Browser): Promise<void> {
  const places = placesFor(browser)
  // The raw figure is measured before and after the syncs, and the ratios taken against the median
  // of all those runs: the machine's load drifts over the minutes the syncs take.
  const placements: RawPlacement[] = ['page', 'worker']
  const before: RawFigures[] = []
  for (const placement of placements) before.push(await rawThroughput(places, RAW_MIB, RAW_RUNS, placement))
  const bench = await startSyncBench(places)
  const results: SyncResult[] = []
  try {
    const sets: SyncSet[] = [
      ...SYNC_MIB.map(bigFile),
      ...(SMALL_FILES > 0 ? [smallFiles(SMALL_FILES)] : []),
      ...(TEXT_MIB > 0 ? [textFile(TEXT_MIB)] : []),
    ]
    for (const set of sets) results.push(await measureSync(bench, set, SYNC_TIMEOUT_S))
  } finally {
    await bench.close()
  }
  const after: RawFigures[] = []
  for (const placement of [...placements].reverse())
    after.push(await rawThroughput(places, RAW_MIB, RAW_RUNS, placement))
  await places.dispose()
  console.log(`pages: ${PROFILES_TEXT[PROFILES]}`)
  const KiB = 1024
  const pacing = `${DEFAULT_MAX_MESSAGE_BYTES / KiB} KiB messages, sending above ${DEFAULT_HIGH_WATER_BYTES / KiB} KiB buffered waits until ${DEFAULT_LOW_WATER_BYTES / KiB} KiB, as the app`
  console.log(
    `data channel, raw, between two pages (${pacing}), ${RAW_MIB} MiB a run, ${RAW_RUNS} runs before the syncs and ${RAW_RUNS} after:`,
  )
  let best: { median: number; cpuMsPerMB: number } | undefined
  for (const placement of placements) {
    const was = before.find((f) => f.placement === placement)
    const then = after.find((f) => f.placement === placement)
    if (!was || !then) continue
    const runs = [...was.runs, ...then.runs]
    const median = [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? Number.NaN
    const cpuMsPerMB = (was.cpuMsPerMB + then.cpuMsPerMB) / 2
    const where = placement === 'page' ? "ends on the pages' main threads" : 'ends in workers (transferred)'
    console.log(
      `  ${median.toFixed(1)} MB/s median, ${where.padEnd(32)} (before: ${was.runs.map((r) => r.toFixed(1)).join(' / ')}; after: ${then.runs.map((r) => r.toFixed(1)).join(' / ')}); Chromium CPU ${cpuMsPerMB.toFixed(0)} ms/MB`,
    )
    if (!best || median > best.median) best = { median, cpuMsPerMB }
  }
  if (!best) throw new Error('no raw figures')
  console.log(
    `sync between two fresh browser peers through the app (WebRTC, TLS, worker, OPFS), from addShare to all in; ratios against the faster raw figure (${best.median.toFixed(1)} MB/s):`,
  )
  for (const result of results) console.log(formatSync(result, best.median, best.cpuMsPerMB))
}

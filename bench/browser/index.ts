/**
 * `npm run bench -- browser` (or `npx tsx bench/browser/index.ts`): figures measured inside
 * Debian's Chromium, in one run (inside the private network namespace, for WebRTC): the hashing
 * figures of issue 7, the parts of a sync each alone (parts-worker.ts; BENCH_PARTS_MIB, 256), then
 * the transfer figures of transfer.ts (raw data channel, sync of a big file and of many small files
 * between two browser peers). The hashing figures:
 *   in-memory:  hash-wasm over a buffer already in memory (the ceiling);
 *   file store: `FsaFileStore.read()` of a FILE_MIB MiB OPFS file into the wasm hasher, the path
 *               the engine hashes local files by (target: 80% or more of in-memory), on the
 *               page's thread and in a dedicated worker (where the engine runs);
 *   Blob.stream(): the plain way, for comparison (issue 7 saw about a third of in-memory; the file
 *               store reads through it now, see src/platform/browser/blob-reader.ts).
 * They are interleaved for ROUNDS rounds; medians are printed, and ratios taken within each round.
 * The page is served by Vite from this folder on 127.0.0.1.
 */
import { fileURLToPath } from 'node:url'
import { createServer } from 'vite'
import { launchChromium } from '../../e2e/support/browser'
import type { BrowserBench, HashingRound } from './page'
import { printTransferFigures, reexecInNetns } from './transfer'
import { chromiumCpuSeconds } from './cpu'
import type { PartRequest } from './parts-worker'

const FILE_MIB = Number(process.env.BENCH_FILE_MIB ?? 256)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
/** MiB for each part of a sync timed alone (BENCH_PARTS_MIB; 0 to skip). */
const PARTS_MIB = Number(process.env.BENCH_PARTS_MIB ?? 256)
/** Rounds of the parts, interleaved (BENCH_PARTS_ROUNDS). */
const PARTS_ROUNDS = Number(process.env.BENCH_PARTS_ROUNDS ?? 3)
/** Which of the three sections run (BENCH_SECTIONS, a comma-separated list; all by default). */
const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? 'hashing,parts,transfer').split(','))

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

async function main(): Promise<void> {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const server = await createServer({
    configFile: false,
    root,
    logLevel: 'warn',
    server: { host: '127.0.0.1', port: 0 },
    optimizeDeps: { entries: ['bench/browser/index.html'] },
  })
  await server.listen()
  const browser = await launchChromium()
  try {
    const page = await browser.newPage()
    const base = server.resolvedUrls?.local[0]
    if (!base) throw new Error('vite did not report its address')
    await page.goto(new URL('bench/browser/index.html', base).href)
    await page.waitForFunction(() => 'clearskiesBench' in window)
    if (SECTIONS.has('hashing')) {
      const rounds: HashingRound[] = await page.evaluate(
        ([mib, n]) =>
          (window as unknown as { clearskiesBench: BrowserBench }).clearskiesBench.hashing(mib, n),
        [FILE_MIB, ROUNDS] as const,
      )
      const inMemory = median(rounds.map((r) => r.inMemory))
      const fileStore = median(rounds.map((r) => r.fileStore))
      const inWorker = median(rounds.map((r) => r.fileStoreInWorker))
      const blobStream = median(rounds.map((r) => r.blobStream))
      // Ratios are taken within each round, then the median: the machine is shared, and figures
      // measured seconds apart share its load far better than medians measured apart.
      const pct = (of: (r: HashingRound) => number): string =>
        `${(median(rounds.map((r) => of(r) / r.inMemory)) * 100).toFixed(0)}% of in-memory`
      console.log(
        `hashing, SHA-256 with hash-wasm, ${FILE_MIB} MiB OPFS file, median of ${ROUNDS} interleaved rounds:`,
      )
      console.log(`  in-memory          ${inMemory.toFixed(0).padStart(5)} MB/s`)
      console.log(
        `  file store read()  ${fileStore.toFixed(0).padStart(5)} MB/s  ${pct((r) => r.fileStore)} (target 80%)`,
      )
      console.log(
        `  same, in a worker  ${inWorker.toFixed(0).padStart(5)} MB/s  ${pct((r) => r.fileStoreInWorker)}`,
      )
      console.log(
        `  Blob.stream()      ${blobStream.toFixed(0).padStart(5)} MB/s  ${pct((r) => r.blobStream)}`,
      )
      const each = rounds.map((r) =>
        [r.inMemory, r.fileStore, r.fileStoreInWorker, r.blobStream].map((x) => x.toFixed(0)).join('/'),
      )
      console.log(`  rounds (in-memory / file store / in a worker / Blob.stream, MB/s): ${each.join('  ')}`)
    }
    if (PARTS_MIB > 0 && SECTIONS.has('parts')) {
      // What the sync's own work costs, beside the raw channel's CPU per MB printed below: the
      // sum of these and the raw figure is about what a sync can cost at the least. Interleaved
      // for PARTS_ROUNDS rounds; medians printed, each round's ms/MB after them.
      console.log(
        `parts of a sync, each alone in a worker, ${PARTS_MIB} MiB, median of ${PARTS_ROUNDS} interleaved rounds (Chromium's CPU per MB, all threads; of it, the browser process's):`,
      )
      const labels: Record<PartRequest['part'], string> = {
        tls: 'TLS seal + open, 1 MiB writes',
        'tls-webcrypto': "same, protocol's WebCrypto",
        'tls-wasm-mac': 'same, HMAC on hash-wasm',
        hash: 'SHA-256, 1 MiB updates',
        store: 'temp-file appends, 1 MiB',
      }
      const parts = ['tls', 'tls-webcrypto', 'tls-wasm-mac', 'hash', 'store'] as const
      const mb = (PARTS_MIB * 1024 * 1024) / 1e6
      const figures = new Map<string, Array<{ rate: number; cpu: number; browserCpu: number }>>()
      for (let round = 0; round < PARTS_ROUNDS; round++) {
        for (const part of parts) {
          const cpu = chromiumCpuSeconds()
          const browserCpu = chromiumCpuSeconds('browser')
          const ms = await page.evaluate(
            ([part, mib]) =>
              (window as unknown as { clearskiesBench: BrowserBench }).clearskiesBench.part(part, mib),
            [part, PARTS_MIB] as const,
          )
          const perMB = (seconds: number): number => (seconds * 1000) / mb
          const figure = {
            rate: mb / (ms / 1000),
            cpu: perMB(chromiumCpuSeconds() - cpu),
            browserCpu: perMB(chromiumCpuSeconds('browser') - browserCpu),
          }
          figures.set(part, [...(figures.get(part) ?? []), figure])
        }
      }
      for (const part of parts) {
        const runs = figures.get(part) ?? []
        const m = (of: (f: (typeof runs)[number]) => number): number => median(runs.map(of))
        console.log(
          `  ${labels[part].padEnd(30)} ${m((f) => f.rate)
            .toFixed(0)
            .padStart(5)} MB/s  ${m((f) => f.cpu)
            .toFixed(1)
            .padStart(
              5,
            )} ms/MB (browser ${m((f) => f.browserCpu).toFixed(1)})   rounds: ${runs.map((f) => f.cpu.toFixed(1)).join(' / ')}`,
        )
      }
    }
    if (SECTIONS.has('transfer')) await printTransferFigures(browser)
  } finally {
    await browser.close()
    await server.close()
  }
}

reexecInNetns()
await main()

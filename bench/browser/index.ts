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
    const rounds: HashingRound[] = await page.evaluate(
      ([mib, n]) => (window as unknown as { clearskiesBench: BrowserBench }).clearskiesBench.hashing(mib, n),
      [FILE_MIB, ROUNDS] as const,
    )
    const inMemory = median(rounds.map((r) => r.inMemory))
    const fileStore = median(rounds.map((r) => r.fileStore))
    const inWorker = median(rounds.map((r) => r.fileStoreInWorker))
    const blobStream = median(rounds.map((r) => r.blobStream))
    // Ratios are taken within each round, then the median: the machine is shared, and figures
    // measured seconds apart share its load far better than medians measured apart.
    const pct = (of: (r: HashingRound) => number): string => `${(median(rounds.map((r) => of(r) / r.inMemory)) * 100).toFixed(0)}% of in-memory`
    console.log(`hashing, SHA-256 with hash-wasm, ${FILE_MIB} MiB OPFS file, median of ${ROUNDS} interleaved rounds:`)
    console.log(`  in-memory          ${inMemory.toFixed(0).padStart(5)} MB/s`)
    console.log(`  file store read()  ${fileStore.toFixed(0).padStart(5)} MB/s  ${pct((r) => r.fileStore)} (target 80%)`)
    console.log(`  same, in a worker  ${inWorker.toFixed(0).padStart(5)} MB/s  ${pct((r) => r.fileStoreInWorker)}`)
    console.log(`  Blob.stream()      ${blobStream.toFixed(0).padStart(5)} MB/s  ${pct((r) => r.blobStream)}`)
    const each = rounds.map((r) => [r.inMemory, r.fileStore, r.fileStoreInWorker, r.blobStream].map((x) => x.toFixed(0)).join('/'))
    console.log(`  rounds (in-memory / file store / in a worker / Blob.stream, MB/s): ${each.join('  ')}`)
    if (PARTS_MIB > 0) {
      // What the sync's own work costs, beside the raw channel's CPU per MB printed below: the
      // sum of these and the raw figure is about what a sync can cost at the least.
      console.log(`parts of a sync, each alone in a worker, ${PARTS_MIB} MiB (Chromium's CPU per MB, all threads):`)
      const labels: Record<PartRequest['part'], string> = {
        tls: 'TLS seal + open, 1 MiB writes',
        'tls-webcrypto': 'same, HMAC on WebCrypto',
        hash: 'SHA-256, 16 KiB updates',
        store: 'temp-file appends, 16 KiB',
      }
      for (const part of ['tls', 'tls-webcrypto', 'hash', 'store'] as const) {
        const cpu = chromiumCpuSeconds()
        const ms = await page.evaluate(([part, mib]) => (window as unknown as { clearskiesBench: BrowserBench }).clearskiesBench.part(part, mib), [part, PARTS_MIB] as const)
        const mb = (PARTS_MIB * 1024 * 1024) / 1e6
        console.log(`  ${labels[part].padEnd(30)} ${(mb / (ms / 1000)).toFixed(0).padStart(5)} MB/s  ${(((chromiumCpuSeconds() - cpu) * 1000) / mb).toFixed(1).padStart(5)} ms/MB`)
      }
    }
    await printTransferFigures(browser)
  } finally {
    await browser.close()
    await server.close()
  }
}

reexecInNetns()
await main()

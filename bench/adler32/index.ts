/**
 * `npm run bench -- adler32`: Adler-32 over 1 MiB parts (a stored frame's data), in ms per MiB:
 *   adler32      src/protocol/wire/adler32.ts, the WebAssembly SIMD kernel with its copies in
 *   js loop      the same module's plain loop (adler32WithoutKernel), the fallback and the old code
 *   hash-wasm    hash-wasm's createAdler32 hasher (init, update, digest)
 *   deflate      node:zlib deflateSync at level 0, which sums the data and copies it into stored blocks
 * and, for short parts, ns per call of adler32 beside the plain loop. Each figure is the median of
 * RUNS runs after a warm-up (which also lets the engine optimise the WebAssembly). A few seconds.
 * Run directly: npx tsx bench/adler32/index.ts
 */
import { performance } from 'node:perf_hooks'
import { deflateSync } from 'node:zlib'
import { createAdler32 } from 'hash-wasm'
import { adler32, adler32WithoutKernel } from '../../src/protocol/wire/adler32'

const MIB = 1 << 20
const RUNS = 15
/** MiB summed per timed run. */
const MIB_PER_RUN = 32
const SHORT_BYTES = [16, 32, 64, 256, 1024, 4096] as const
const SHORT_CALLS = 20_000

/** Median ms of RUNS timed runs of `run`, after two untimed ones. */
function medianMs(run: () => void): number {
  run()
  run()
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    run()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

async function main(): Promise<void> {
  const data = new Uint8Array(MIB).map(() => (Math.random() * 256) | 0)
  const hasher = await createAdler32()
  let sink = 0
  const perMib: [string, () => void][] = [
    ['adler32', () => (sink ^= adler32([data]))],
    ['js loop', () => (sink ^= adler32WithoutKernel([data]))],
    ['hash-wasm', () => (sink ^= hasher.init().update(data).digest('binary')[0]!)],
    ['deflate', () => (sink ^= deflateSync(data, { level: 0 }).at(-1)!)],
  ]
  const figures = new Map<string, number>()
  for (const [name, run] of perMib) {
    figures.set(
      name,
      medianMs(() => {
        for (let i = 0; i < MIB_PER_RUN; i++) run()
      }) / MIB_PER_RUN,
    )
  }
  const base = figures.get('adler32')!
  console.log('1 MiB parts, ms per MiB (median):')
  for (const [name, ms] of figures) {
    console.log(`  ${name.padEnd(10)} ${ms.toFixed(3)}  (${(ms / base).toFixed(1)}x adler32)`)
  }

  console.log('short parts, ns per call (median): adler32 / js loop')
  for (const bytes of SHORT_BYTES) {
    const part = [data.subarray(0, bytes)]
    const ns = (f: () => number): number =>
      (medianMs(() => {
        for (let i = 0; i < SHORT_CALLS; i++) sink ^= f()
      }) *
        1e6) /
      SHORT_CALLS
    console.log(
      `  ${String(bytes).padStart(5)} B  ${ns(() => adler32(part)).toFixed(0)} / ${ns(() => adler32WithoutKernel(part)).toFixed(0)}`,
    )
  }
  if (sink === 0.5) console.log(sink)
}

await main()

/**
 * `npm run bench -- wire`: the wire decoder's throughput, against the targets of issue 2.
 *   payload: one `!` message carrying PAYLOAD_MIB MiB in 1 MiB chunks, fed in 16 KiB slices (a TLS
 *            record's worth), next to a plain Buffer.concat copy of the same slices in the same run;
 *            target: decoding at least half the copy's speed.
 *   small:   SMALL_MESSAGES short JSON messages; target: at least 100,000 a second. Also shown: the
 *            same with an integer beyond 2^53 in each, which takes the slower lossless parser.
 * Each figure is the median of RUNS runs after a warm-up. Run directly: npx tsx bench/wire/index.ts
 */
import { performance } from 'node:perf_hooks'
import type { ByteStream } from '../../src/protocol/stream/byte-stream'
import {
  RECOMMENDED_CHUNK_BYTES,
  WireDecoder,
  WireReader,
  encodeBody,
  encodeChunkHeader,
  encodeFrame,
  encodeMessage,
  encodePayloadEnd,
} from '../../src/protocol/wire'

const PAYLOAD_MIB = 64
const SLICE_BYTES = 16 * 1024
const SMALL_MESSAGES = 100_000
const RUNS = 7
const MB = 1_000_000

function slices(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let at = 0; at < bytes.byteLength; at += SLICE_BYTES) out.push(bytes.subarray(at, at + SLICE_BYTES))
  return out
}

function payloadStream(): Uint8Array {
  const chunk = new Uint8Array(RECOMMENDED_CHUNK_BYTES).map((_, i) => (i * 31) & 0xff)
  const parts: Uint8Array[] = [
    encodeFrame(encodeBody({ type: 'directory.data', path: 'big.bin' }), { withPayload: true }),
  ]
  for (let i = 0; i < PAYLOAD_MIB; i++) parts.push(encodeChunkHeader(chunk.byteLength), chunk)
  parts.push(encodePayloadEnd())
  return Buffer.concat(parts)
}

/** Typical small messages; with `huge`, each also carries an integer beyond 2^53 (the lossless parser's path). */
function smallStream(huge: boolean): Uint8Array {
  const parts: Uint8Array[] = []
  for (let i = 0; i < SMALL_MESSAGES; i++) {
    const body = { type: 'directory.get', path: `photos/2014/img_${i}.jpg`, range: [i * 4096, 4096] }
    parts.push(encodeMessage(huge ? { ...body, rev: 2n ** 60n + BigInt(i) } : body))
  }
  return Buffer.concat(parts)
}

/** Median seconds of RUNS timed runs, after one untimed warm-up. */
async function medianSeconds(run: () => unknown): Promise<number> {
  await run()
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    await run()
    times.push((performance.now() - start) / 1000)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

function decodeSync(input: Uint8Array[]): number {
  const decoder = new WireDecoder()
  let count = 0
  for (const slice of input) {
    decoder.push(slice, (event) => {
      count += event.kind === 'payload' ? event.data.byteLength : 1
    })
  }
  decoder.finish()
  return count
}

/** The async driver over a stream that hands out the prepared slices: the whole read path but the transport. */
async function decodeAsync(input: Uint8Array[]): Promise<number> {
  let next = 0
  const stream: ByteStream = {
    read: async () => input[next++] ?? null,
    write: async () => {},
    end: async () => {},
    close: () => {},
    closed: new Promise(() => {}),
  }
  let count = 0
  for await (const message of new WireReader(stream)) {
    count++
    for await (const data of message.payload ?? []) count += data.byteLength
  }
  return count
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

async function main(): Promise<void> {
  const payload = slices(payloadStream())
  const payloadBytes = payload.reduce((sum, s) => sum + s.byteLength, 0)
  const small = slices(smallStream(false))
  const smallHuge = slices(smallStream(true))

  const copy = await medianSeconds(() => Buffer.concat(payload))
  const sync = await medianSeconds(() => decodeSync(payload))
  const reader = await medianSeconds(() => decodeAsync(payload))
  const smallSync = await medianSeconds(() => decodeSync(small))
  const smallReader = await medianSeconds(() => decodeAsync(small))
  const smallHugeSync = await medianSeconds(() => decodeSync(smallHuge))

  const rate = (seconds: number): number => payloadBytes / MB / seconds
  const ratio = rate(sync) / rate(copy)
  console.log(
    `wire bench: node ${process.version}; ${PAYLOAD_MIB} MiB payload in 1 MiB chunks and ${fmt(SMALL_MESSAGES)} small messages, fed in ${SLICE_BYTES / 1024} KiB slices; median of ${RUNS} runs`,
  )
  console.log(`payload, Buffer.concat copy       ${fmt(rate(copy)).padStart(10)} MB/s`)
  console.log(
    `payload, WireDecoder              ${fmt(rate(sync)).padStart(10)} MB/s   ratio to copy ${ratio.toFixed(2)} (target >= 0.50: ${ratio >= 0.5 ? 'met' : 'MISSED'})`,
  )
  console.log(
    `payload, WireReader (async)       ${fmt(rate(reader)).padStart(10)} MB/s   ratio to copy ${(rate(reader) / rate(copy)).toFixed(2)}`,
  )
  const perSecond = SMALL_MESSAGES / smallSync
  console.log(
    `small messages, WireDecoder       ${fmt(perSecond).padStart(10)} msg/s  (target >= 100,000: ${perSecond >= 100_000 ? 'met' : 'MISSED'})`,
  )
  console.log(`small messages, WireReader (async)${fmt(SMALL_MESSAGES / smallReader).padStart(10)} msg/s`)
  console.log(
    `small, each with a 64-bit integer ${fmt(SMALL_MESSAGES / smallHugeSync).padStart(10)} msg/s  (WireDecoder; the lossless parser's path)`,
  )
}

await main()

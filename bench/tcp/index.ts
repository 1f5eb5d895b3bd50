/**
 * How our TCP ByteStream (src/platform/node/tcp-stream.ts) receives bulk data, each way over
 * loopback: a socket we dialled reads into slabs (net.Socket `onread`), an accepted one through
 * Node's 'data' events, 64 KiB at a time. Run: `npx tsx bench/tcp/index.ts [MiB] [rounds]`
 * (`npm run bench -- tcp` too). Both ends run in this process, so the CPU figure is the whole
 * transfer's; the reads are the chunks the receiving stream handed out. Medians of interleaved
 * rounds, as the machine is shared.
 */
import { connectTcp, listenTcp, type TcpByteStream } from '../../src/platform/node/tcp-stream'
import { runWithDaemonFlags } from '../daemon-flags'
import { type Run as Measured, measure } from '../tls/measure'

runWithDaemonFlags()

const TOTAL_MIB = Number(process.argv[2] ?? 1024)
const ROUNDS = Number(process.argv[3] ?? 3)
const TOTAL_BYTES = TOTAL_MIB * 1024 * 1024
const WRITE_BYTES = 256 * 1024

interface Run extends Measured {
  readonly reads: number
}

async function send(stream: TcpByteStream): Promise<void> {
  const chunk = new Uint8Array(WRITE_BYTES).fill(7)
  for (let sent = 0; sent < TOTAL_BYTES; sent += WRITE_BYTES) await stream.write(chunk)
  await stream.end()
}

async function receive(stream: TcpByteStream): Promise<number> {
  let reads = 0
  let bytes = 0
  for (let chunk = await stream.read(); chunk; chunk = await stream.read()) {
    reads++
    bytes += chunk.byteLength
  }
  if (bytes !== TOTAL_BYTES) throw new Error(`received ${bytes} bytes of ${TOTAL_BYTES}`)
  return reads
}

/** One transfer; `dialledReads`: the side that dialled receives (slabs), else the accepted side ('data'). */
async function transfer(dialledReads: boolean): Promise<Run> {
  let accept: (s: TcpByteStream) => void = () => {}
  const accepted = new Promise<TcpByteStream>((resolve) => (accept = resolve))
  const listener = await listenTcp('127.0.0.1', 0, (s) => accept(s))
  try {
    const dialled = await connectTcp('127.0.0.1', listener.port)
    const other = await accepted
    const [reader, writer] = dialledReads ? [dialled, other] : [other, dialled]
    const reading = receive(reader)
    const measured = await measure(() => send(writer), reading.then(), TOTAL_BYTES)
    const reads = await reading
    dialled.close()
    other.close()
    return { ...measured, reads }
  } finally {
    await listener.close()
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

const runs: Record<'slabs' | 'data', Run[]> = { slabs: [], data: [] }
for (let round = 0; round < ROUNDS; round++) {
  runs.slabs.push(await transfer(true))
  runs.data.push(await transfer(false))
}
const gib = TOTAL_MIB / 1024
const line = (name: string, r: readonly Run[]): string =>
  `  ${name.padEnd(36)} ${median(r.map((x) => x.mbps))
    .toFixed(0)
    .padStart(
      5,
    )} MB/s  CPU ${(median(r.map((x) => x.cpuMsPerMib)) * 1024).toFixed(0).padStart(5)} ms/GiB  ${(median(r.map((x) => x.reads)) / gib).toFixed(0).padStart(6)} reads/GiB`
console.log(
  `${TOTAL_MIB} MiB over loopback TCP, ${WRITE_BYTES / 1024} KiB writes, both ends in this process (medians of ${ROUNDS} interleaved rounds)`,
)
console.log(line('dialled side reads (slabs)', runs.slabs))
console.log(line("accepted side reads ('data' events)", runs.data))
const ratio = median(runs.slabs.map((x) => x.cpuMsPerMib)) / median(runs.data.map((x) => x.cpuMsPerMib))
console.log(`  slabs take ${ratio.toFixed(2)}x the CPU of 'data' events`)

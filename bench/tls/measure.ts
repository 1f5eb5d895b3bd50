/**
 * Our TLS-SRP throughput over loopback TCP, both ends in this process, one direction, 64 KiB
 * writes: shared by bench/tls and bench/sync (which sets the sync figures beside it). With a
 * GzipCodec, the gzip extension's framing runs over TLS at both ends, written in 1 MiB writes of
 * random data as a sync sends a file that does not compress (stored frames).
 */
import { randomBytes } from 'node:crypto'
import type { ByteStream } from '../../src/protocol/stream/byte-stream'
import { connectTcp, listenTcp } from '../../src/platform/node/tcp-stream'
import { type CipherSuite, type RecordCrypto, acceptTls, connectTls } from '../../src/protocol/tls/index'
import { type GzipCodec, gzipStream } from '../../src/protocol/wire'

export const WRITE_BYTES = 64 * 1024
export const GZIP_WRITE_BYTES = 1024 * 1024
export const USER = 'clearskies:1:' + 'ab'.repeat(32)
export const PASSWORD = 'cd'.repeat(32)
export const SECRET = new Uint8Array(32).fill(1)

export interface Run {
  readonly mbps: number
  readonly cpuMsPerMib: number
}

/** Times `send` until `arrived` settles, with the process CPU time it took. */
export async function measure(
  send: () => Promise<void>,
  arrived: Promise<void>,
  totalBytes: number,
): Promise<Run> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  await send()
  await arrived
  const ms = performance.now() - started
  const used = process.cpuUsage(cpu)
  return {
    mbps: totalBytes / 1e6 / (ms / 1000),
    cpuMsPerMib: (used.user + used.system) / 1000 / (totalBytes / 1024 / 1024),
  }
}

export function counter(totalBytes: number): { add(n: number): void; done: Promise<void> } {
  let got = 0
  let resolve: () => void = () => {}
  const done = new Promise<void>((r) => (resolve = r))
  return {
    add(n) {
      got += n
      if (got >= totalBytes) resolve()
    },
    done,
  }
}

/**
 * Our client writes `totalBytes` (64 KiB writes of zeros; with `zlib`, 1 MiB writes of random data
 * through gzip framing); our server counts them. Both use `records`.
 */
export async function ours(
  suite: CipherSuite,
  totalBytes: number,
  records: RecordCrypto,
  zlib?: GzipCodec,
): Promise<Run> {
  const framed = (stream: ByteStream): ByteStream => (zlib ? gzipStream(stream, zlib) : stream)
  const count = counter(totalBytes)
  const listener = await listenTcp('127.0.0.1', 0, (tcp) => {
    void acceptTls(tcp, {
      lookup: async () => ({ password: PASSWORD }),
      secret: SECRET,
      recordCrypto: records,
    })
      .then(async (s) => {
        const stream = framed(s.stream)
        for (let c = await stream.read(); c; c = await stream.read()) count.add(c.length)
      })
      .catch(() => {}) // the listener closes this connection when the run is over
  })
  const session = await connectTls(await connectTcp('127.0.0.1', listener.port), {
    username: USER,
    password: PASSWORD,
    cipherSuites: [suite],
    recordCrypto: records,
  })
  const stream = framed(session.stream)
  const writeBytes = zlib ? GZIP_WRITE_BYTES : WRITE_BYTES
  // Random bytes, written again and again: nothing below changes what it is given.
  const data = zlib ? new Uint8Array(randomBytes(writeBytes)) : undefined
  const run = await measure(
    async () => {
      for (let sent = 0; sent < totalBytes; sent += writeBytes)
        await stream.write(data ?? new Uint8Array(writeBytes))
    },
    count.done,
    totalBytes,
  )
  session.stream.close()
  await listener.close()
  return run
}

/** Buffers for sealing kept for reuse (src/protocol/tls/seal-buffers.ts), alone and under a session. */
import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { ByteStream } from '../../../src/protocol/stream/byte-stream'
import { createMemoryPipe } from '../../../src/protocol/stream/memory-pipe'
import { acceptTls, connectTls } from '../../../src/protocol/tls/index'
import { SEAL_BUFFER_BYTES, giveSealBuffer, takeSealBuffer } from '../../../src/protocol/tls/seal-buffers'
import { clientOptions, readAll, serverOptions } from './session-fixtures'

describe('seal buffers', () => {
  it('hands a buffer given back out again, and ignores buffers it did not hand out', () => {
    const a = takeSealBuffer(1000)
    expect(a.byteLength).toBe(1000)
    giveSealBuffer(a.subarray(10)) // any view of it
    const b = takeSealBuffer(2000)
    expect(b.buffer).toBe(a.buffer)
    // Given back twice, it is still handed out only once.
    giveSealBuffer(b)
    giveSealBuffer(b)
    const [c, d] = [takeSealBuffer(10), takeSealBuffer(10)]
    expect(c.buffer).not.toBe(d.buffer)
    giveSealBuffer(new Uint8Array(10))
    const big = takeSealBuffer(SEAL_BUFFER_BYTES + 1)
    giveSealBuffer(big)
    expect(takeSealBuffer(10).buffer).not.toBe(big.buffer)
  })
})

/**
 * A transport that releases its writes (`releasesWrites`) as a socket does: it holds each chunk for
 * a moment, as a socket's queue would, and lets go of it (here, copies it) just before its write
 * resolves.
 */
function holdingTransport(inner: ByteStream, seen: Set<ArrayBufferLike>): ByteStream {
  return {
    read: () => inner.read(),
    async write(chunk) {
      seen.add(chunk.buffer)
      await new Promise((resolve) => setTimeout(resolve, 3))
      await inner.write(chunk.slice())
    },
    releasesWrites: true,
    end: () => inner.end(),
    close: (err) => inner.close(err),
    closed: inner.closed,
  }
}

describe('a TLS session over a transport that releases its writes', () => {
  it('reuses sealed buffers, and every byte arrives as written', async () => {
    const [a, b] = createMemoryPipe()
    const seen = new Set<ArrayBufferLike>()
    const [client, server] = await Promise.all([
      connectTls(holdingTransport(a, seen), clientOptions()),
      acceptTls(b, serverOptions()),
    ])
    const data = randomBytes(8 * 1024 * 1024)
    const received = readAll(server.stream)
    // Writes of uneven sizes, four at a time, so batches are sealed while others are being sent.
    const sizes: number[] = []
    for (let o = 0; o < data.length; o += sizes.at(-1)!)
      sizes.push(Math.min(data.length - o, 60_000 + ((o / 7) % 200_000)))
    for (let i = 0, o = 0; i < sizes.length; i += 4) {
      const group = sizes.slice(i, i + 4).map((n) => {
        const write = client.stream.write(data.subarray(o, o + n))
        o += n
        return write
      })
      await Promise.all(group)
    }
    await client.stream.end()
    const hash = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
    expect(hash(await received)).toBe(hash(data))
    // 8 MiB went as 32 or more batches of sealed records, in a handful of buffers.
    expect(seen.size).toBeLessThan(16)
  })
})

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

/**
 * A transport that releases its writes (as the Node TCP stream does) and, once `hold()` is called,
 * keeps its next write pending until `release()`: a peer that is slow to read, a full socket.
 * It records the ArrayBuffer under every chunk it is given.
 */
function stallingTransport(inner: ByteStream) {
  const buffers: ArrayBufferLike[] = []
  let holding = false
  let gate: Promise<void> | undefined
  let open: () => void = () => {}
  const transport: ByteStream = {
    read: () => inner.read(),
    async write(chunk) {
      buffers.push(chunk.buffer)
      if (holding) {
        holding = false
        gate = new Promise<void>((resolve) => (open = resolve))
      }
      if (gate) await gate
      await inner.write(chunk.slice())
    },
    releasesWrites: true,
    end: () => inner.end(),
    close: (err) => inner.close(err),
    closed: inner.closed,
  }
  return {
    transport,
    buffers,
    hold: () => (holding = true),
    release: () => open(),
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

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

  it('does not hold a whole pool buffer for every small batch queued behind a slow transport', async () => {
    const [a, b] = createMemoryPipe()
    const stall = stallingTransport(a)
    const [client, server] = await Promise.all([
      connectTls(stall.transport, clientOptions()),
      acceptTls(b, serverOptions()),
    ])
    const received = readAll(server.stream)
    stall.hold()
    const before = stall.buffers.length
    // 300 small messages, one per turn of the event loop, as the engine's coalescing stream sends
    // what each turn produced: 60 KB in all, well under the session's 256 KiB write-behind, so every
    // write resolves at once and each is sealed as its own batch while the transport is stalled.
    const message = new Uint8Array(200).fill(7)
    for (let i = 0; i < 300; i++) {
      await client.stream.write(message)
      await turn()
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
    stall.release()
    await client.stream.end()
    expect((await received).length).toBe(300 * 200)
    // Every batch was sealed before the first was let go, so each held its buffer at once.
    const held = new Set(stall.buffers.slice(before))
    let heldBytes = 0
    for (const buffer of held) heldBytes += buffer.byteLength
    // Fresh buffers sized to their records held about 300 x 250 bytes here. A few pool buffers
    // (each SEAL_BUFFER_BYTES) would be fine; one per 200-byte batch is not.
    expect(
      heldBytes,
      `${held.size} batches held ${(heldBytes / 2 ** 20).toFixed(1)} MiB for 60 KB of data`,
    ).toBeLessThan(8 * SEAL_BUFFER_BYTES)
  })
})

/**
 * Stored-block zlib streams: what we write is a zlib stream any inflater reads, and made of views
 * of the data; what we read comes back as views of the pieces it arrived in, and anything that
 * is not a sound stream of stored blocks is left to the inflater.
 */
import { randomBytes } from 'node:crypto'
import { deflateSync, inflateSync } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { adaptiveZlib } from '../../../src/engine/adaptive-zlib'
import { nodeZlibCodec } from '../../../src/platform/node/zlib-codec'
import { createMemoryPipe } from '../../../src/protocol/stream/memory-pipe'
import type { ByteStream } from '../../../src/protocol/stream/byte-stream'
import { WireErrorCode, gzipStream } from '../../../src/protocol/wire'
import { concatBytes } from '../../../src/protocol/wire/bytes'
import { storedZlibData, storedZlibParts } from '../../../src/protocol/wire/stored-zlib'
import { splitAt, text } from './decode-all'

const pattern = (size: number): Uint8Array => {
  const data = new Uint8Array(size)
  for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 7)) & 0xff
  return data
}

describe('stored zlib streams', () => {
  it('are zlib streams any inflater reads, made of views of the data', () => {
    for (const size of [0, 1, 65_535, 65_536, 131_070, 200_001, 1024 * 1024]) {
      const data = pattern(size)
      const parts = storedZlibParts(data)
      const stream = concatBytes(parts)
      expect(new Uint8Array(inflateSync(stream))).toEqual(data)
      // 2 bytes of zlib header, 5 per block, 4 of Adler-32.
      expect(stream.byteLength).toBe(2 + 5 * Math.max(1, Math.ceil(size / 65_535)) + size + 4)
      if (size > 0) expect(parts.some((part) => part.buffer === data.buffer)).toBe(true)
    }
  })

  it('are read back from any cut of them, as views of the pieces', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 140_000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (data, offsets) => {
          const stream = concatBytes(storedZlibParts(data))
          const pieces = splitAt(
            stream,
            offsets.map((o) => o % (stream.byteLength + 1)),
          )
          const read = storedZlibData(pieces)
          expect(read).toBeDefined()
          expect(concatBytes(read!)).toEqual(data)
          for (const view of read!) expect(pieces.some((piece) => piece.buffer === view.buffer)).toBe(true)
        },
      ),
      { numRuns: 60 },
    )
  })

  it("reads zlib's own stored streams (level 0)", () => {
    for (const size of [0, 10, 70_000, 300_000]) {
      const data = pattern(size)
      expect(concatBytes(storedZlibData([deflateSync(data, { level: 0 })])!)).toEqual(data)
    }
  })

  it('leaves to the inflater compressed streams and any damage, wherever it is', () => {
    const data = pattern(70_000)
    const stream = concatBytes(storedZlibParts(data))
    const damaged = (at: number, value: number): Uint8Array => {
      const copy = stream.slice()
      copy[at] = value
      return copy
    }
    expect(storedZlibData([deflateSync(text('hello, hello, hello'))])).toBeUndefined()
    expect(storedZlibData([damaged(0, 0x79)])).toBeUndefined() // CM 9
    expect(storedZlibData([damaged(1, 0x02)])).toBeUndefined() // FCHECK wrong
    expect(storedZlibData([damaged(1, 0x20)])).toBeUndefined() // FDICT (a preset dictionary)
    expect(storedZlibData([damaged(2, 0x02)])).toBeUndefined() // BTYPE 01
    expect(storedZlibData([damaged(5, stream[5]! ^ 1)])).toBeUndefined() // NLEN is not ~LEN
    expect(storedZlibData([damaged(100, stream[100]! ^ 1)])).toBeUndefined() // Adler-32 fails
    expect(storedZlibData([damaged(stream.byteLength - 1, stream.at(-1)! ^ 1)])).toBeUndefined()
    expect(storedZlibData([concatBytes([stream, new Uint8Array(1)])])).toBeUndefined() // bytes after it
    for (const length of [0, 1, 2, 6, 7, 65_541, stream.byteLength - 1])
      expect(storedZlibData([stream.subarray(0, length)])).toBeUndefined()
  })
})

describe('gzip framing with stored frames', () => {
  it('carries data that does not compress as stored blocks, received as views', async () => {
    const [a, b] = createMemoryPipe()
    const zlib = adaptiveZlib(nodeZlibCodec)
    const sender = gzipStream(a, zlib)
    const receiver = gzipStream(b, zlib)
    const noise = new Uint8Array(randomBytes(1024 * 1024))
    const sent = noise.slice()
    const written = sender.write(noise).then(() => sender.end())
    const received: Uint8Array[] = []
    for (let chunk = await receiver.read(); chunk; chunk = await receiver.read()) received.push(chunk)
    await written
    expect(concatBytes(received)).toEqual(sent)
    // Stored blocks of at most 65,535 bytes: the data arrives in as many views, uncopied.
    expect(received.length).toBeGreaterThanOrEqual(17)
  })

  it("hands a frame's parts down in one turn, so TLS below seals them together in full records", async () => {
    const written: number[] = []
    const pending: Array<() => void> = []
    const inner: ByteStream = {
      read: () => new Promise(() => {}),
      write: (chunk) => {
        written.push(chunk.byteLength)
        return new Promise((resolve) => pending.push(resolve))
      },
      end: async () => {},
      close: () => {},
      closed: new Promise(() => {}),
    }
    const sent = gzipStream(inner, adaptiveZlib(nodeZlibCodec)).write(
      new Uint8Array(randomBytes(1024 * 1024)),
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    // The length, then the zlib header with the first block's, 16 blocks of data with the next
    // header, the last block's data, the Adler-32: every part before any write has resolved.
    expect(written.length).toBe(1 + 2 * 17 + 1)
    expect(written.reduce((a, b) => a + b, 0)).toBe('1048667:'.length + 1048667)
    for (const resolve of pending) resolve()
    await sent
  })

  it('hands a damaged stored frame to the inflater, which refuses it', async () => {
    const stream = concatBytes(storedZlibParts(pattern(100_000)))
    stream[50] = stream[50]! ^ 1
    const [a, b] = createMemoryPipe()
    void a.write(concatBytes([text(`${stream.byteLength}:`), stream]))
    await expect(gzipStream(b, nodeZlibCodec).read()).rejects.toMatchObject({
      code: WireErrorCode.Gzip,
      offset: 0,
    })
  })
})

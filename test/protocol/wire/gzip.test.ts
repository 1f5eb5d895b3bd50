/** The gzip extension's `<len>:<zlib bytes>` framing, with the Node and the browser codecs. */
import { deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { browserZlibCodec } from '../../../src/platform/browser/zlib-codec'
import { nodeZlibCodec } from '../../../src/platform/node/zlib-codec'
import { createMemoryPipe } from '../../../src/protocol/stream/memory-pipe'
import {
  GzipFrameDecoder,
  MAX_GZIP_FRAME_BYTES,
  WireErrorCode,
  WireReader,
  WireWriter,
  gzipStream,
  type ZlibCodec,
} from '../../../src/protocol/wire'
import { concatBytes } from '../../../src/protocol/wire/bytes'
import { text } from './decode-all'

const CODECS: Array<[string, ZlibCodec]> = [
  ['node:zlib', nodeZlibCodec],
  ['CompressionStream', browserZlibCodec],
]

describe.each(CODECS)('gzip framing with %s', (_name, zlib) => {
  it('carries wire messages and payloads through deflate frames', async () => {
    const [a, b] = createMemoryPipe()
    const writer = new WireWriter(gzipStream(a, zlib))
    const reader = new WireReader(gzipStream(b, zlib))
    const data = new Uint8Array(300_000).fill(7)
    void writer.send({ type: 'file', size: 300_000 }, { payload: [data] })
    const message = await reader.next()
    expect(message?.body).toEqual({ type: 'file', size: 300_000 })
    const parts: Uint8Array[] = []
    for await (const part of message!.payload!) parts.push(part)
    expect(Buffer.from(concatBytes(parts)).equals(data)).toBe(true)
  })

  it('each frame is one zlib stream that the other codec reads (RFC 1950 on both sides)', async () => {
    const other = zlib === nodeZlibCodec ? browserZlibCodec : nodeZlibCodec
    const deflated = await zlib.deflate(text('hello, hello, hello'))
    expect(deflated[0]).toBe(0x78) // the zlib header's CMF byte: deflate, 32 KiB window
    expect(await other.inflate(deflated, 100)).toEqual(text('hello, hello, hello'))
  })

  it('refuses a frame that is not zlib data', async () => {
    const [a, b] = createMemoryPipe()
    void a.write(text('5:hello'))
    await expect(gzipStream(b, zlib).read()).rejects.toMatchObject({ code: WireErrorCode.Gzip, offset: 0 })
  })

  it('refuses a frame that inflates past the bound (a deflate bomb)', async () => {
    const bomb = deflateSync(new Uint8Array(MAX_GZIP_FRAME_BYTES + 1))
    const [a, b] = createMemoryPipe()
    void a.write(concatBytes([text(`${bomb.byteLength}:`), bomb]))
    await expect(gzipStream(b, zlib).read()).rejects.toMatchObject({ code: WireErrorCode.Gzip, offset: 0 })
  })
})

/** The frames `slices` complete, as text. */
function framesOf(decoder: GzipFrameDecoder, slices: readonly string[]): string[] {
  const frames: string[] = []
  for (const slice of slices)
    decoder.push(text(slice), (f) => frames.push(Buffer.from(concatBytes(f.pieces)).toString()))
  return frames
}

describe('gzip framing and its codec', () => {
  it('tells the codec how long each frame took, from its deflate to the stream below taking it', async () => {
    const reports: number[] = []
    const codec = { ...nodeZlibCodec, sent: (ms: number) => void reports.push(ms) }
    let slow = false
    const inner = {
      ...createMemoryPipe()[0],
      write: async () => {
        if (slow) await new Promise((resolve) => setTimeout(resolve, 30))
      },
    }
    const stream = gzipStream(inner, codec)
    await stream.write(text('at once'))
    slow = true
    await stream.write(text('after a wait'))
    expect(reports).toHaveLength(2)
    expect(reports[0]).toBeLessThan(20)
    expect(reports[1]).toBeGreaterThanOrEqual(25)
  })
})

describe('gzip frame decoder', () => {
  it('splits frames cut anywhere, and names the fault and offset of a bad one', () => {
    const decoder = new GzipFrameDecoder()
    expect(framesOf(decoder, ['3:a', 'bc2', ':de'])).toEqual(['abc', 'de'])
    expect(() => decoder.push(text('4x'), () => {})).toThrow(
      expect.objectContaining({ code: WireErrorCode.Gzip, offset: 10 }),
    )
    expect(() => new GzipFrameDecoder().push(text('99999999:'), () => {})).toThrow(
      expect.objectContaining({ code: WireErrorCode.Length }),
    )
    const truncated = new GzipFrameDecoder()
    truncated.push(text('5:ab'), () => {})
    expect(() => truncated.finish()).toThrow(expect.objectContaining({ code: WireErrorCode.Gzip }))
  })

  it('skips the newline a peer sends after core.start outside its body length, and bounds such whitespace', () => {
    // m<len>{...}: the reader stops after the body, so the newline the length left out is the first
    // byte the frame decoder sees (docs/protocol-notes/wire.md: readers accept both lengths).
    const decoder = new GzipFrameDecoder()
    expect(framesOf(decoder, ['\n', '\r\n3:abc', ' 2:de'])).toEqual(['abc', 'de'])
    expect(() => decoder.finish()).not.toThrow()
    expect(() => new GzipFrameDecoder().push(text(' '.repeat(4097)), () => {})).toThrow(
      expect.objectContaining({ code: WireErrorCode.Flood, offset: 4096 }),
    )
  })
})

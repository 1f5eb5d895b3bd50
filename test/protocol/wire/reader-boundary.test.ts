/**
 * The wire reader can stop at a message boundary and hand back what it read past it: gzip starts
 * with the first message after core.start (gzip.md), often in the same TCP read.
 */
import { describe, expect, it } from 'vitest'
import type { ByteStream } from '../../../src/protocol/stream/byte-stream'
import {
  WireReader,
  encodeChunkHeader,
  encodeMessage,
  encodePayloadEnd,
  gzipStream,
} from '../../../src/protocol/wire'
import { concatBytes } from '../../../src/protocol/wire/bytes'
import { nodeZlibCodec } from '../../../src/platform/node/zlib-codec'

function streamOf(chunks: Uint8Array[]): ByteStream {
  return {
    read: async () => chunks.shift() ?? null,
    write: async () => {},
    end: async () => {},
    close: () => {},
    closed: new Promise<Error | undefined>(() => {}),
  }
}

/** A `!` message with one payload chunk. */
function withPayload(type: string, data: Uint8Array): Uint8Array {
  return concatBytes([
    encodeMessage({ type }, { withPayload: true }),
    encodeChunkHeader(data.byteLength),
    data,
    encodePayloadEnd(),
  ])
}

/** What a gzip peer writes for `bytes`: `<length>:<zlib stream>`. */
async function gzipFrames(bytes: Uint8Array): Promise<Uint8Array> {
  const written: Uint8Array[] = []
  const sink: ByteStream = { ...streamOf([]), write: async (chunk) => void written.push(chunk.slice()) }
  await gzipStream(sink, nodeZlibCodec).write(bytes)
  return concatBytes(written)
}

describe('WireReader at a message boundary', () => {
  it('stops after core.start and hands back the gzip frames that followed it in the same read', async () => {
    const start = encodeMessage({
      type: 'core.start',
      software: 'x',
      protocol: 1,
      extensions: ['gzip'],
      peer: 'p',
    })
    const after = encodeMessage({ type: 'core.ping', timeout: 60 })
    const frames = await gzipFrames(after)
    const reader = new WireReader(streamOf([concatBytes([start, frames])]))
    reader.messageAtATime = true
    expect((await reader.next())?.type).toBe('core.start')
    const rest = reader.detach()
    expect(rest).toEqual(frames)

    // The rest, inflated by a reader over gzip, is the next message.
    const chunks = [rest]
    const gz = gzipStream(streamOf(chunks), nodeZlibCodec)
    expect((await new WireReader(gz).next())?.type).toBe('core.ping')
  })

  it('decodes message by message across reads, and a payload whole', async () => {
    const one = encodeMessage({ type: 'a' })
    const two = withPayload('b', Uint8Array.of(1, 2, 3))
    const three = encodeMessage({ type: 'c' })
    const all = concatBytes([one, two, three])
    const reader = new WireReader(streamOf([all.subarray(0, 3), all.subarray(3)]))
    reader.messageAtATime = true
    expect((await reader.next())?.type).toBe('a')
    const second = await reader.next()
    expect(second?.type).toBe('b')
    const data: number[] = []
    for await (const chunk of second!.payload!) data.push(...chunk)
    expect(data).toEqual([1, 2, 3])
    expect((await reader.next())?.type).toBe('c')
    expect(reader.detach()).toEqual(new Uint8Array(0))
    expect(await reader.next()).toBeNull()
  })

  it('refuses to detach in the middle of a payload', async () => {
    const reader = new WireReader(streamOf([withPayload('b', Uint8Array.of(1))]))
    reader.messageAtATime = true
    await reader.next()
    expect(() => reader.detach()).toThrow(/only between messages/)
  })
})

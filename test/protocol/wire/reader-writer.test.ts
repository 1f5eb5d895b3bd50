/** The async drivers over a ByteStream: payloads streamed in both directions, with back-pressure. */
import { describe, expect, it } from 'vitest'
import type { ByteStream } from '../../../src/protocol/stream/byte-stream'
import { createMemoryPipe } from '../../../src/protocol/stream/memory-pipe'
import {
  RECOMMENDED_CHUNK_BYTES,
  WireError,
  WireErrorCode,
  WireReader,
  WireWriter,
} from '../../../src/protocol/wire'
import { concatBytes } from '../../../src/protocol/wire/bytes'
import { text } from './decode-all'

async function collect(payload: AsyncIterable<Uint8Array> | null): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of payload ?? []) parts.push(part)
  return concatBytes(parts)
}

/** A ByteStream that hands out fixed chunks and counts how many reads were made. */
function scriptedStream(chunks: Uint8Array[]): ByteStream & { reads: number } {
  const stream = {
    reads: 0,
    read: async () => {
      stream.reads++
      return chunks.shift() ?? null
    },
    write: async () => {},
    end: async () => {},
    close: () => {},
    closed: new Promise<Error | undefined>(() => {}),
  }
  return stream
}

describe('WireWriter and WireReader', () => {
  it('carry messages of every kind, with payloads split into chunks of at most 1 MiB', async () => {
    const [a, b] = createMemoryPipe()
    const writer = new WireWriter(a)
    const reader = new WireReader(b)
    const big = new Uint8Array(RECOMMENDED_CHUNK_BYTES * 2 + 5).map((_, i) => i % 251)
    const sending = (async () => {
      await writer.send({ type: 'one', n: 2n ** 64n })
      await writer.send({ type: 'two' }, { payload: [big] })
      await writer.send({ type: 'three' }, { payload: [] })
      await a.end()
    })()
    const one = await reader.next()
    expect(one).toMatchObject({
      prefix: 'm',
      type: 'one',
      body: { type: 'one', n: 2n ** 64n },
      payload: null,
    })
    const two = await reader.next()
    expect(two?.prefix).toBe('!')
    const parts: Uint8Array[] = []
    for await (const part of two!.payload!) parts.push(part)
    expect(Math.max(...parts.map((p) => p.byteLength))).toBeLessThanOrEqual(RECOMMENDED_CHUNK_BYTES)
    expect(Buffer.from(concatBytes(parts)).equals(big)).toBe(true)
    const three = await reader.next()
    expect(three?.type).toBe('three')
    expect((await collect(three!.payload)).byteLength).toBe(0)
    expect(await reader.next()).toBeNull()
    await sending
  })

  it('signs with an RSA key: the message goes out as s, and as $ with a payload', async () => {
    const keys = await crypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      false,
      ['sign', 'verify'],
    )
    const [a, b] = createMemoryPipe()
    const writer = new WireWriter(a)
    void writer.send({ type: 'signed' }, { signWith: keys.privateKey })
    void writer.send({ type: 'signed-data' }, { signWith: keys.privateKey, payload: [text('hello')] })
    const reader = new WireReader(b)
    const s = await reader.next()
    expect(s?.prefix).toBe('s')
    expect(s?.signature).toMatch(/^[A-Za-z0-9+/]{342}==$/)
    const $ = await reader.next()
    expect($?.prefix).toBe('$')
    expect(new TextDecoder().decode(await collect($!.payload))).toBe('hello')
  })

  it('does not read from the stream until the consumer pulls the next payload chunk', async () => {
    const stream = scriptedStream([text('!12{"type":"x"}\n'), text('1\na'), text('1\nb'), text('0\n')])
    const reader = new WireReader(stream)
    const message = await reader.next()
    expect(stream.reads).toBe(1)
    const iterator = message!.payload![Symbol.asyncIterator]()
    expect((await iterator.next()).value).toEqual(text('a'))
    expect(stream.reads).toBe(2)
    await new Promise((r) => setTimeout(r, 10))
    expect(stream.reads).toBe(2)
    expect((await iterator.next()).value).toEqual(text('b'))
    expect(stream.reads).toBe(3)
  })

  it('skips a payload the consumer left unread, and an old payload iterator does not read the next message’s', async () => {
    const stream = scriptedStream([text('!12{"type":"x"}\n3\nabc0\n!12{"type":"y"}\n2\nde0\n')])
    const reader = new WireReader(stream)
    const x = await reader.next()
    const y = await reader.next()
    expect(y?.type).toBe('y')
    expect((await collect(x!.payload)).byteLength).toBe(0)
    expect(await collect(y!.payload)).toEqual(text('de'))
  })

  it('delivers the messages before a fault, then throws the typed error and closes the stream', async () => {
    const closedWith: Array<Error | undefined> = []
    const stream = {
      ...scriptedStream([text('m12{"type":"x"}\nx')]),
      close: (err?: Error) => void closedWith.push(err),
    }
    const reader = new WireReader(stream)
    expect((await reader.next())?.type).toBe('x')
    await expect(reader.next()).rejects.toMatchObject({ code: WireErrorCode.Prefix, offset: 16 })
    expect(closedWith[0]).toBeInstanceOf(WireError)
  })

  it('a stream that ends inside a payload is an error, not a short file', async () => {
    const reader = new WireReader(scriptedStream([text('!12{"type":"x"}\n5\nab')]))
    const message = await reader.next()
    await expect(collect(message!.payload)).rejects.toMatchObject({ code: WireErrorCode.Truncated })
  })

  it('a payload source that fails closes the stream: the framing cannot abandon a payload half sent', async () => {
    const [a] = createMemoryPipe()
    const writer = new WireWriter(a)
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield text('partial')
      throw new Error('disk read failed')
    }
    await expect(writer.send({ type: 'x' }, { payload: failing() })).rejects.toThrow('disk read failed')
    await expect(a.closed).resolves.toBeInstanceOf(Error)
  })
})

import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  MAX_PROBE_AFTER_FRAMES,
  NOISE_BITS_PER_BYTE,
  NOISE_DISTINCT_PAIRS,
  PROBE_AFTER_FRAMES,
  PROBE_FRAMES,
  SAMPLE_FROM_BYTES,
  STORED_BELOW_BYTES,
  adaptiveZlib,
  bitsPerByte,
  distinctPairs,
} from '../../src/engine/adaptive-zlib'
import { nodeZlibCodec } from '../../src/platform/node/zlib-codec'
import type { GzipCodec, ZlibCodec } from '../../src/protocol/wire'
import { concatBytes } from '../../src/protocol/wire/bytes'

const MIB = 1024 * 1024
const noise = (bytes = MIB): Uint8Array => new Uint8Array(randomBytes(bytes))
const text = (): Uint8Array => new TextEncoder().encode('a line of text that repeats\n'.repeat(MIB / 28))
/** A KiB of noise over and over: every byte value about equally often, yet deflate shrinks it to almost nothing. */
const repeatedNoise = (): Uint8Array => {
  const block = noise(1024)
  const data = new Uint8Array(MIB)
  for (let at = 0; at < MIB; at += block.length) data.set(block, at)
  return data
}

/** `rounds` shuffles of the byte values 0-255 end to end, from a fixed seed. */
function shuffledBytes(rounds: number): Uint8Array {
  let seed = 1
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) >>> 0)
  const out = new Uint8Array(256 * rounds)
  for (let r = 0; r < rounds; r++) {
    const values = Uint8Array.from({ length: 256 }, (_, i) => i)
    for (let i = 255; i > 0; i--) {
      const j = next() % (i + 1)
      ;[values[i], values[j]] = [values[j]!, values[i]!]
    }
    out.set(values, r * 256)
  }
  return out
}

/** node:zlib, counting the calls made to deflate. */
function counting(): { codec: ZlibCodec; deflates: () => number } {
  let calls = 0
  return {
    codec: {
      deflate: (data) => {
        calls++
        return nodeZlibCodec.deflate(data)
      },
      inflate: (data, max) => nodeZlibCodec.inflate(data, max),
    },
    deflates: () => calls,
  }
}

/** How `frame` was made (stored blocks come as parts, deflate's output whole); either way zlib any inflater reads. */
function framed(frame: Uint8Array | readonly Uint8Array[], data: Uint8Array): 'stored' | 'deflated' {
  expect(inflateSync(frame instanceof Uint8Array ? frame : concatBytes(frame)).equals(data)).toBe(true)
  return frame instanceof Uint8Array ? 'deflated' : 'stored'
}

describe('adaptive zlib', () => {
  it('measures how spread out bytes are', () => {
    expect(bitsPerByte(new Uint8Array(4096))).toBe(0)
    expect(bitsPerByte(Uint8Array.from({ length: 4096 }, (_, i) => i & 0xff))).toBe(8)
    expect(bitsPerByte(Uint8Array.from({ length: 4096 }, (_, i) => i & 1))).toBe(1)
    expect(bitsPerByte(noise(4096))).toBeGreaterThan(NOISE_BITS_PER_BYTE)
    expect(bitsPerByte(repeatedNoise().subarray(0, 4096))).toBeLessThan(NOISE_BITS_PER_BYTE)
    const source = readFileSync(new URL('../../src/engine/adaptive-zlib.ts', import.meta.url))
    expect(bitsPerByte(source.subarray(0, 4096))).toBeLessThan(6)
  })

  it('stores noise without deflating even a sample of it', async () => {
    const { codec, deflates } = counting()
    const zlib = adaptiveZlib(codec)
    for (let write = 0; write < 8; write++) {
      const data = noise()
      expect(framed(await zlib.deflate(data), data)).toBe('stored')
    }
    expect(deflates()).toBe(0)
  })

  it('deflates what compresses, also right after noise, and noise that repeats', async () => {
    const { codec, deflates } = counting()
    const zlib = adaptiveZlib(codec)
    for (const data of [noise(), text(), noise(), repeatedNoise()]) await zlib.deflate(data)
    expect(deflates()).toBe(4) // a sample and the whole of each that compresses
    const [t, r] = [text(), repeatedNoise()]
    expect(framed(await zlib.deflate(t), t)).toBe('deflated')
    expect(framed(await zlib.deflate(r), r)).toBe('deflated')
  })

  it('deflates what repeats though its bytes are spread out as noise', async () => {
    const zlib = adaptiveZlib(nodeZlibCodec)
    // 2 KiB of noise measured 7.90-7.92 bits a byte, below the mark about one run in ten: eight
    // shuffles of the 256 byte values instead, every value as often as any other (8 bits exactly).
    const noiseTwice = shuffledBytes(8)
    const repeats = {
      'the bytes 0-255 over and over': Uint8Array.from({ length: MIB }, (_, i) => i & 0xff),
      'an RGB gradient': Uint8Array.from({ length: MIB }, (_, i) => ((i / 3) * [1, 3, 7][i % 3]!) & 0xff),
      '2 KiB of shuffled bytes over and over': Uint8Array.from(
        { length: MIB },
        (_, i) => noiseTwice[i % 2048]!,
      ),
    }
    for (const [name, data] of Object.entries(repeats)) {
      const sample = data.subarray(0, 4096)
      expect(bitsPerByte(sample), name).toBeGreaterThanOrEqual(NOISE_BITS_PER_BYTE)
      expect(distinctPairs(sample), name).toBeLessThan(NOISE_DISTINCT_PAIRS)
      expect(framed(await zlib.deflate(data), data), name).toBe('deflated')
    }
    expect(distinctPairs(noise(4096))).toBeGreaterThanOrEqual(NOISE_DISTINCT_PAIRS)
  })

  it('stores what deflates but barely shrinks, and deflates every small write', async () => {
    const zlib = adaptiveZlib(nodeZlibCodec)
    // Half noise, half text in every 64 bytes: bytes spread out below the noise mark, yet deflate
    // cannot take it below 0.9.
    const mixed = new Uint8Array(MIB)
    const rand = noise()
    for (let at = 0; at < MIB; at++) mixed[at] = at % 64 < 56 ? rand[at]! : 0x61
    expect(bitsPerByte(mixed.subarray(0, 4096))).toBeLessThan(NOISE_BITS_PER_BYTE)
    expect(framed(await zlib.deflate(mixed), mixed)).toBe('stored')
    const small = noise(SAMPLE_FROM_BYTES - 1)
    expect(framed(await zlib.deflate(small), small)).toBe('deflated')
  })

  it('stores writes too short for deflate to shrink, without making a zlib stream for them', async () => {
    const { codec, deflates } = counting()
    const zlib = adaptiveZlib(codec)
    for (const text of ['1048576:', 'x'.repeat(STORED_BELOW_BYTES - 1), '']) {
      const data = new TextEncoder().encode(text)
      expect(framed(await zlib.deflate(data), data)).toBe('stored')
    }
    expect(deflates()).toBe(0)
    const json = new TextEncoder().encode(JSON.stringify({ type: 'directory.get', sha256: 'ab'.repeat(32) }))
    expect(json.byteLength).toBeGreaterThanOrEqual(STORED_BELOW_BYTES)
    expect(framed(await zlib.deflate(json), json)).toBe('deflated')
  })
})

/**
 * A writer on a simulated clock: a deflate that shrinks everything to DEFLATED_RATIO of itself at
 * `deflateRate` bytes a millisecond of input, and a link that takes `link` bytes a millisecond
 * behind a buffer of LINK_BUFFER_BYTES (a frame goes down at once while the buffer has room for
 * it). Each frame's time, deflate and wait together, is told to the codec as the gzip framing
 * does. `write` sends one large write that compresses; `zlib` is the codec, for other writes.
 */
function writer(
  deflateRate: number,
  initialLink: number,
  tryStored = true,
): { write: () => Promise<'stored' | 'deflated'>; zlib: GzipCodec; setLink: (rate: number) => void } {
  let link = initialLink
  let now = 0
  let linkFreeAt = 0
  const zlib = adaptiveZlib(
    {
      deflate: async (data) => {
        now += data.byteLength / deflateRate
        return new Uint8Array(Math.ceil(data.byteLength * DEFLATED_RATIO))
      },
      inflate: () => Promise.reject(new Error('not used')),
    },
    { tryStored, clock: () => now },
  )
  const data = text().subarray(0, WRITE_BYTES)
  const write = async (): Promise<'stored' | 'deflated'> => {
    const started = now
    const frame = await zlib.deflate(data)
    const wire = frame instanceof Uint8Array ? frame.byteLength : concatBytes(frame).byteLength
    linkFreeAt = Math.max(now, linkFreeAt) + wire / link
    now = Math.max(now, linkFreeAt - LINK_BUFFER_BYTES / link)
    zlib.sent?.(now - started)
    return frame instanceof Uint8Array ? 'deflated' : 'stored'
  }
  return { write, zlib, setLink: (rate) => (link = rate) }
}

async function ways(write: () => Promise<string>, frames: number): Promise<string[]> {
  const out: string[] = []
  for (let frame = 0; frame < frames; frame++) out.push(await write())
  return out
}

/** About what deflate makes of source code and prose. */
const DEFLATED_RATIO = 0.28
const LINK_BUFFER_BYTES = 1024 * 1024
/** Bytes a millisecond: 40 MB/s, about node:zlib's rate on text here. */
const DEFLATE_RATE = 40_000
const WRITE_BYTES = 256 * 1024
const count = (list: string[], way: string): number => list.filter((w) => w === way).length

describe('adaptive zlib on links of different speeds', () => {
  // Tries of the other way come after 8, 32, 128 and 512 frames: four in 1,024 frames. A try of
  // stored after deflating finds the link's buffer empty and may win on that, until the buffer
  // fills and the next frames show the link's real rate: a few more frames each time.
  const FRAMES = 2 * MAX_PROBE_AFTER_FRAMES
  const TRIES = 4

  it('keeps deflating on a link that deflated frames fill, after one try while its buffer fills', async () => {
    // 1 and 5 MB/s: once the link's buffer is full, deflated frames wait for it, and stored ones,
    // more bytes, could only be slower: no more tries.
    for (const link of [1_000, 5_000]) {
      const pattern = await ways(writer(DEFLATE_RATE, link).write, FRAMES)
      expect(pattern.slice(0, PROBE_AFTER_FRAMES), `${link}`).toEqual(
        Array(PROBE_AFTER_FRAMES).fill('deflated'),
      )
      expect(count(pattern, 'stored'), `${link}`).toBe(PROBE_FRAMES)
    }
  })

  it('keeps deflating on a link faster than deflated frames but slower than deflate, trying stored less and less often', async () => {
    // 20 MB/s: faster than deflate's output, slower than its input.
    const pattern = await ways(writer(DEFLATE_RATE, 20_000).write, FRAMES)
    expect(count(pattern, 'stored')).toBeLessThanOrEqual(TRIES * 2 * PROBE_FRAMES)
    expect(pattern.slice(-MAX_PROBE_AFTER_FRAMES / 2)).not.toContain('stored')
  })

  it('goes stored on a link faster than deflate, and stays so, trying deflate less and less often', async () => {
    // 250 MB/s: loopback, or a 2.5 Gb/s LAN.
    const pattern = await ways(writer(DEFLATE_RATE, 250_000).write, FRAMES)
    expect(pattern.slice(0, PROBE_AFTER_FRAMES)).toEqual(Array(PROBE_AFTER_FRAMES).fill('deflated'))
    expect(pattern.slice(PROBE_AFTER_FRAMES, PROBE_AFTER_FRAMES + PROBE_FRAMES)).toEqual(
      Array(PROBE_FRAMES).fill('stored'),
    )
    expect(count(pattern, 'deflated')).toBeLessThanOrEqual(PROBE_AFTER_FRAMES + TRIES * PROBE_FRAMES)
    expect(pattern.slice(-MAX_PROBE_AFTER_FRAMES / 2)).not.toContain('deflated')
  })

  it('deflates where deflate is faster than the link, as in a browser (43 MB/s against 30)', async () => {
    const pattern = await ways(writer(43_000, 30_000).write, FRAMES)
    expect(count(pattern, 'stored')).toBeLessThanOrEqual(TRIES * 3 * PROBE_FRAMES)
    expect(pattern.slice(-MAX_PROBE_AFTER_FRAMES / 2)).not.toContain('stored')
  })

  it('follows a link that changes speed: deflating soon after it slows, stored after it speeds up', async () => {
    const { write, setLink } = writer(DEFLATE_RATE, 250_000)
    expect((await ways(write, 4 * PROBE_AFTER_FRAMES)).at(-1)).toBe('stored')
    setLink(5_000)
    const slowed = await ways(write, 4 * PROBE_AFTER_FRAMES)
    expect(slowed.indexOf('deflated')).toBeLessThanOrEqual(PROBE_AFTER_FRAMES)
    expect(slowed.slice(-2 * PROBE_AFTER_FRAMES)).not.toContain('stored')
    setLink(250_000)
    const sped = await ways(write, 2 * MAX_PROBE_AFTER_FRAMES)
    expect(sped.slice(-MAX_PROBE_AFTER_FRAMES / 2)).not.toContain('deflated')
  })

  it('never tries stored where the platform says its links cannot outrun deflate (a browser)', async () => {
    const pattern = await ways(writer(DEFLATE_RATE, 250_000, false).write, FRAMES)
    expect(count(pattern, 'stored')).toBe(0)
  })

  it('judges noise and small writes as before, whatever the link', async () => {
    const { write, zlib } = writer(DEFLATE_RATE, 250_000)
    expect((await ways(write, 2 * PROBE_AFTER_FRAMES)).at(-1)).toBe('stored')
    const n = noise(WRITE_BYTES)
    expect(await zlib.deflate(n)).toBeInstanceOf(Array)
    const small = text().subarray(0, SAMPLE_FROM_BYTES - 1)
    expect(await zlib.deflate(small)).toBeInstanceOf(Uint8Array)
  })
})

import { randomBytes } from 'node:crypto'
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { MAX_UNSAMPLED_WRITES, SAMPLE_FROM_BYTES, adaptiveZlib } from '../../src/engine/adaptive-zlib'
import { nodeZlibCodec } from '../../src/platform/node/zlib-codec'
import type { ZlibCodec } from '../../src/protocol/wire'
import { concatBytes } from '../../src/protocol/wire/bytes'

const MIB = 1024 * 1024
const noise = (): Uint8Array => new Uint8Array(randomBytes(MIB))
const text = (): Uint8Array => new TextEncoder().encode('a line of text that repeats\n'.repeat(MIB / 28))

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
async function framed(
  frame: Uint8Array | readonly Uint8Array[],
  data: Uint8Array,
): Promise<'stored' | 'deflated'> {
  expect(inflateSync(frame instanceof Uint8Array ? frame : concatBytes(frame)).equals(data)).toBe(true)
  return frame instanceof Uint8Array ? 'deflated' : 'stored'
}

describe('adaptive zlib', () => {
  it('deflates what compresses and stores what does not', async () => {
    const zlib = adaptiveZlib(nodeZlibCodec)
    const [t, n] = [text(), noise()]
    expect(await framed(await zlib.deflate(t), t)).toBe('deflated')
    expect(await framed(await zlib.deflate(n), n)).toBe('stored')
    const small = new Uint8Array(randomBytes(SAMPLE_FROM_BYTES - 1))
    expect(await framed(await zlib.deflate(small), small)).toBe('deflated') // small writes are never judged
  })

  it('samples a long run of writes that do not compress less and less often, down to one in 17', async () => {
    const { codec, deflates } = counting()
    const zlib = adaptiveZlib(codec)
    const sampled: number[] = []
    for (let write = 0; write < 100; write++) {
      const before = deflates()
      const data = noise()
      expect(await framed(await zlib.deflate(data), data)).toBe('stored')
      if (deflates() > before) sampled.push(write)
    }
    // After each sample 1, 2, 4, 8, then 16 writes go unsampled.
    expect(sampled.at(-1)! - sampled.at(-2)!).toBe(MAX_UNSAMPLED_WRITES + 1)
    expect(sampled).toEqual([0, 2, 5, 10, 19, 36, 53, 70, 87])
  })

  it('compresses again at the next sample after data that compresses comes back, and starts over', async () => {
    const { codec, deflates } = counting()
    const zlib = adaptiveZlib(codec)
    for (let write = 0; write < 40; write++) await zlib.deflate(noise()) // samples at 0, 2, 5, 10, 19, 36
    // Writes 40 and 41 are within the skip after the sample at 36 (16 writes): stored unsampled.
    const t = text()
    expect(await framed(await zlib.deflate(t), t)).toBe('stored')
    for (let write = 41; write < 53; write++) await zlib.deflate(t)
    // Write 53 is sampled: it compresses, and is deflated.
    expect(await framed(await zlib.deflate(t), t)).toBe('deflated')
    // Noise again: sampled at once, then after 1, 2... as at the start.
    const before = deflates()
    for (let write = 0; write < 3; write++) await zlib.deflate(noise())
    expect(deflates() - before).toBe(2)
  })
})

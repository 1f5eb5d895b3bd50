/**
 * The gzip extension's parts as Chromium runs them, now that browser peers offer it: the Adler-32
 * kernel (WebAssembly SIMD) against the plain loop, and stored frames (ours) and deflated frames
 * (CompressionStream's) each read by the other side's reader, as two peers exchange them.
 */
import { describe, expect, it } from 'vitest'
import { adaptiveZlib } from '../../src/engine/adaptive-zlib'
import { browserZlibCodec } from '../../src/platform/browser/zlib-codec'
import { adler32, adler32KernelLoaded, adler32WithoutKernel } from '../../src/protocol/wire/adler32'
import { storedZlibData, storedZlibParts } from '../../src/protocol/wire/stored-zlib'
import { concatBytes } from '../../src/protocol/wire/bytes'

function noise(length: number): Uint8Array {
  const data = new Uint8Array(length)
  for (let at = 0; at < length; at += 65_536) crypto.getRandomValues(data.subarray(at, at + 65_536))
  return data
}

/** Byte for byte (vitest's deep equality takes seconds on a MiB in the browser). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

describe('gzip in Chromium', () => {
  it('runs the Adler-32 kernel, which agrees with the plain loop at every edge', () => {
    const data = noise(300_000)
    for (const length of [0, 1, 31, 32, 33, 4095, 4096, 4097, 5552, 65_537, 300_000 - 3]) {
      for (const offset of [0, 1, 3]) {
        const part = data.subarray(offset, offset + length)
        expect(adler32([part]), `${length} bytes at ${offset}`).toBe(adler32WithoutKernel([part]))
      }
    }
    expect(adler32(Array.from({ length: 64 }, () => new Uint8Array(4096).fill(0xff)))).toBe(
      adler32WithoutKernel([new Uint8Array(64 * 4096).fill(0xff)]),
    )
    expect(adler32KernelLoaded()).toBe(true)
  })

  it("reads CompressionStream's frames and has it read ours, stored or deflated", async () => {
    const random = noise(1024 * 1024 + 7)
    const text = new TextEncoder().encode('a line of text that deflates well\n'.repeat(40_000))
    const codec = adaptiveZlib(browserZlibCodec)

    const stored = await codec.deflate(random)
    expect(Array.isArray(stored)).toBe(true) // a write that does not shrink goes as stored blocks
    const storedFrame = concatBytes(stored as Uint8Array[])
    expect(same(await browserZlibCodec.inflate(storedFrame, random.length), random)).toBe(true)
    expect(same(concatBytes(storedZlibData([storedFrame]) ?? []), random)).toBe(true)

    const deflated = await codec.deflate(text)
    expect(deflated).toBeInstanceOf(Uint8Array)
    expect((deflated as Uint8Array).length).toBeLessThan(text.length / 10)
    expect(storedZlibData([deflated as Uint8Array])).toBeUndefined() // not stored blocks: the inflater's
    expect(same(await codec.inflate(deflated as Uint8Array, text.length), text)).toBe(true)
    await expect(codec.inflate(deflated as Uint8Array, text.length - 1)).rejects.toThrow(RangeError)
  })

  it('refuses a stored frame whose Adler-32 is wrong', async () => {
    const frame = concatBytes(storedZlibParts(noise(70_000)))
    frame[frame.length - 1] = (frame[frame.length - 1] as number) ^ 1
    expect(storedZlibData([frame])).toBeUndefined()
    await expect(browserZlibCodec.inflate(frame, 70_000)).rejects.toThrow()
  })
})

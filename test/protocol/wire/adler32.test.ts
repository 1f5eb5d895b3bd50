/**
 * Adler-32: known answers, and both paths (the WebAssembly kernel, the plain loop) against an
 * independent oracle, node:zlib, whose level-0 deflate ends with the Adler-32 of its input (RFC 1950).
 * The lengths and cuts aim at the kernel's edges: its 32-byte blocks, 4096-byte chunks, zlib's NMAX
 * (5552) and the 64 KiB pieces parts are copied in. fast-check prints the seed on failure.
 */
import { readFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WASM_MODULES, compileWat, renderModule } from '../../../scripts/build-wasm'
import { adler32, adler32KernelLoaded, adler32WithoutKernel } from '../../../src/protocol/wire/adler32'
import { ADLER32_WASM_BASE64 } from '../../../src/protocol/wire/adler32-wasm'

const MIB = 1 << 20
const NMAX = 5552
const CHUNK_BYTES = 4096
const PIECE_BYTES = 65_536

function oracle(data: Uint8Array): number {
  const z = deflateSync(data, { level: 0 })
  return z.readUInt32BE(z.byteLength - 4)
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)

/** `length` bytes at byte offset `offset` of a larger buffer: random from `seed`, all 0xff, or mostly. */
function bytes(
  length: number,
  offset: number,
  seed: number,
  kind: 'random' | 'ff' | 'mostly-ff',
): Uint8Array {
  const data = new Uint8Array(offset + length + 7).subarray(offset, offset + length)
  let x = seed | 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    data[i] = kind === 'ff' || (kind === 'mostly-ff' && (x & 0xff) > 8) ? 0xff : x >>> 24
  }
  return data
}

/** `data` cut at `cuts` (any integers, taken modulo its length + 1), as views of it. */
function split(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [0, ...cuts.map((c) => c % (data.byteLength + 1)).sort((a, b) => a - b), data.byteLength]
  return at.slice(1).map((end, i) => data.subarray(at[i]!, end))
}

describe('adler32', () => {
  it('uses the WebAssembly kernel on Node', () => {
    expect(adler32KernelLoaded()).toBe(true)
  })

  it.each([
    ['', 0x00000001],
    ['a', 0x00620062],
    ['abc', 0x024d0127],
    ['Wikipedia', 0x11e60398],
    ['message digest', 0x29750586],
    ['abcdefghijklmnopqrstuvwxyz', 0x90860b20],
  ])('of %j is %i', (text, expected) => {
    expect(adler32([ascii(text)])).toBe(expected)
    expect(adler32WithoutKernel([ascii(text)])).toBe(expected)
  })

  it('of long known inputs matches zlib, on both paths', () => {
    // Long enough for the kernel: 1000 'a's and the alphabet repeated.
    const as = ascii('a'.repeat(1000))
    const alphabet = ascii('abcdefghijklmnopqrstuvwxyz'.repeat(100))
    for (const data of [as, alphabet]) {
      expect(adler32([data])).toBe(oracle(data))
      expect(adler32WithoutKernel([data])).toBe(oracle(data))
    }
  })

  it('of 0xff runs, the worst case for the sums, matches zlib on both paths', () => {
    for (const length of [MIB, 3 * MIB + 17, NMAX * 37, CHUNK_BYTES * 16 + 31]) {
      for (const offset of [0, 3]) {
        const data = bytes(length, offset, 1, 'ff')
        const expected = oracle(data)
        expect(adler32([data])).toBe(expected)
        expect(adler32WithoutKernel([data])).toBe(expected)
        expect(adler32([data.subarray(0, 100_003), data.subarray(100_003)])).toBe(expected)
      }
    }
    expect(adler32([bytes(MIB, 0, 1, 'ff')])).toBe(0x8e88ef11) // Python zlib.adler32
  })

  it('at the lengths around its block, chunk, NMAX and piece sizes, matches zlib', () => {
    const edges = [31, 32, 33, 63, 64, 65, 255, 256, 257]
    for (const size of [CHUNK_BYTES, NMAX, PIECE_BYTES]) {
      for (const k of [1, 2, 3])
        edges.push(k * size - 33, k * size - 32, k * size - 1, k * size, k * size + 1)
    }
    for (const length of edges) {
      for (const kind of ['random', 'ff'] as const) {
        const data = bytes(length, length % 16, length, kind)
        expect(adler32([data]), `${kind} ${length}`).toBe(oracle(data))
      }
    }
  })

  it('over random bytes in random parts, continuing from any value, matches zlib and the plain loop', () => {
    const length = fc.oneof(
      fc.integer({ min: 0, max: 300_000 }),
      fc.integer({ min: 0, max: 300 }),
      fc
        .tuple(
          fc.constantFrom(32, CHUNK_BYTES, NMAX, PIECE_BYTES),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: -33, max: 33 }),
        )
        .map(([size, k, d]) => Math.max(0, size * k + d)),
    )
    fc.assert(
      fc.property(
        length,
        fc.integer({ min: 0, max: 31 }),
        fc.integer(),
        fc.constantFrom('random', 'ff', 'mostly-ff'),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.nat(),
        fc.tuple(fc.integer({ min: 0, max: 65_520 }), fc.integer({ min: 0, max: 65_520 })),
        (length, offset, seed, kind, cuts, cut, [s1, s2]) => {
          const data = bytes(length, offset, seed, kind)
          const parts = split(data, cuts)
          const expected = oracle(data)
          expect(adler32(parts)).toBe(expected)
          expect(adler32WithoutKernel(parts)).toBe(expected)
          // Continuing: the sum of the first parts, then the rest from it.
          const i = cut % (parts.length + 1)
          expect(adler32(parts.slice(i), adler32(parts.slice(0, i)))).toBe(expected)
          // From any start value, as the plain loop does it.
          const start = (s2 << 16) | s1
          expect(adler32(parts, start)).toBe(adler32WithoutKernel(parts, start))
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('the plain loop, where WebAssembly SIMD is missing', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.resetModules()
  })

  async function freshModule(): Promise<typeof import('../../../src/protocol/wire/adler32')> {
    vi.resetModules()
    return import('../../../src/protocol/wire/adler32')
  }

  it('takes over when the module does not compile, which is tried once', async () => {
    let compiles = 0
    // As an engine without SIMD answers: WebAssembly.CompileError on the module's v128 code.
    vi.stubGlobal('WebAssembly', {
      Instance: class {},
      Module: class {
        constructor() {
          compiles++
          throw new Error('CompileError: invalid local type v128')
        }
      },
    })
    const fresh = await freshModule()
    const data = bytes(200_000, 5, 7, 'random')
    expect(fresh.adler32([data])).toBe(oracle(data))
    expect(fresh.adler32([data, data])).toBe(oracle(Buffer.concat([data, data])))
    expect(fresh.adler32KernelLoaded()).toBe(false)
    expect(compiles).toBe(1)
  })

  it('takes over when there is no WebAssembly at all', async () => {
    vi.stubGlobal('WebAssembly', undefined)
    const fresh = await freshModule()
    const data = bytes(70_000, 1, 9, 'ff')
    expect(fresh.adler32([data])).toBe(oracle(data))
    expect(fresh.adler32KernelLoaded()).toBe(false)
  })
})

describe('the embedded WebAssembly', () => {
  it('is what the .wat compiles to, in the module build-wasm writes', async () => {
    for (const entry of WASM_MODULES) {
      const wasm = await compileWat(entry.wat)
      expect(readFileSync(new URL(`../../../${entry.ts}`, import.meta.url), 'utf8')).toBe(
        renderModule(entry, wasm),
      )
    }
    expect(Buffer.from(ADLER32_WASM_BASE64, 'base64')).toEqual(
      Buffer.from(await compileWat(WASM_MODULES[0].wat)),
    )
  })

  it('is small enough for Chromium to compile synchronously on a page (4 KB)', () => {
    expect(Buffer.from(ADLER32_WASM_BASE64, 'base64').byteLength).toBeLessThan(4096)
  })
})

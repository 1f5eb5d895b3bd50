/**
 * Adler-32 (RFC 1950 section 8.2), the checksum that ends every zlib stream. Stored frames of the
 * gzip extension are checksummed here rather than by the platform's zlib, so that their data is
 * never copied into a frame (stored-zlib.ts).
 *
 * It runs on every megabyte sent and received, so long parts go to a small SIMD WebAssembly kernel
 * (adler32.wat, embedded by adler32-wasm.ts): each part is copied into the kernel's memory 64 KiB at a
 * time and summed there. The kernel is compiled synchronously on first use (it is far below the 4 KB
 * Chromium allows on a page's main thread); short parts, and platforms without WebAssembly SIMD, take
 * the plain loop below.
 */
import { ADLER32_WASM_BASE64 } from './adler32-wasm'
import { decodeBase64 } from './base64'

const MOD_ADLER = 65_521
/** The most bytes whose sums cannot overflow 2^32 before they are reduced (zlib's NMAX). */
const NMAX = 5552
/**
 * Parts shorter than this are summed in JS, where they are no slower than a copy and a call. In
 * bench/adler32 a call took, kernel against JS: 16 bytes 75 ns against 65, 32 bytes 80 against 90,
 * 256 bytes 85 against 400.
 */
const MIN_KERNEL_BYTES = 32
/** The kernel's memory is one 64 KiB page, all of it the buffer a part is copied into. */
const KERNEL_BUFFER_BYTES = 65_536

interface Kernel {
  /** The kernel's memory; it never grows, so this view stays valid. */
  readonly buffer: Uint8Array
  /** The Adler-32 of buffer[0, length) continuing from `adler`, as a signed 32-bit integer. */
  readonly update: (adler: number, length: number) => number
}

/** The little of the WebAssembly API used here; declared because Node's typings leave it out. */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: object }
}

/** Undefined until the first long part; null where WebAssembly or its SIMD is unavailable. */
let kernel: Kernel | null | undefined

/** The kernel, compiled on first use; a failure to compile is caught once and remembered. */
function getKernel(): Kernel | null {
  if (kernel === undefined) {
    try {
      const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly
      if (!api) throw new Error('no WebAssembly')
      const { exports } = new api.Instance(new api.Module(decodeBase64(ADLER32_WASM_BASE64)!))
      const { memory, update } = exports as { memory: { buffer: ArrayBuffer }; update: Kernel['update'] }
      kernel = { buffer: new Uint8Array(memory.buffer), update }
    } catch {
      kernel = null
    }
  }
  return kernel
}

/** The Adler-32 of `parts` taken as one run of bytes, continuing from `adler` (1 for a fresh one). */
export function adler32(parts: Iterable<Uint8Array>, adler = 1): number {
  for (const data of parts) {
    const k = data.byteLength < MIN_KERNEL_BYTES ? null : getKernel()
    if (k === null) {
      adler = adler32Loop(data, adler)
      continue
    }
    for (let at = 0; at < data.byteLength; at += KERNEL_BUFFER_BYTES) {
      const piece =
        at === 0 && data.byteLength <= KERNEL_BUFFER_BYTES
          ? data
          : data.subarray(at, at + KERNEL_BUFFER_BYTES)
      k.buffer.set(piece)
      adler = k.update(adler, piece.byteLength)
    }
  }
  return adler >>> 0
}

/** For tests: the plain loop over every part, as platforms without WebAssembly SIMD run it. */
export function adler32WithoutKernel(parts: Iterable<Uint8Array>, adler = 1): number {
  for (const data of parts) adler = adler32Loop(data, adler)
  return adler
}

/** For tests: whether the WebAssembly kernel is in use (loading it if it has not been tried yet). */
export function adler32KernelLoaded(): boolean {
  return getKernel() !== null
}

function adler32Loop(data: Uint8Array, adler: number): number {
  let a = adler & 0xffff
  let b = adler >>> 16
  for (let i = 0; i < data.byteLength;) {
    const end = Math.min(data.byteLength, i + NMAX)
    for (; i < end; i++) {
      a += data[i]!
      b += a
    }
    a %= MOD_ADLER
    b %= MOD_ADLER
  }
  return ((b << 16) | a) >>> 0
}

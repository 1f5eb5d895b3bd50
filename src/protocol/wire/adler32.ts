/**
 * Adler-32 (RFC 1950 section 8.2), the checksum that ends every zlib stream. Stored frames of the
 * gzip extension are checksummed here rather than by the platform's zlib, so that their data is
 * never copied into a frame (stored-zlib.ts).
 */

const MOD_ADLER = 65_521
/** The most bytes whose sums cannot overflow 2^32 before they are reduced (zlib's NMAX). */
const NMAX = 5552

/** The Adler-32 of `parts` taken as one run of bytes, continuing from `adler` (1 for a fresh one). */
export function adler32(parts: Iterable<Uint8Array>, adler = 1): number {
  let a = adler & 0xffff
  let b = adler >>> 16
  for (const data of parts) {
    for (let i = 0; i < data.byteLength; ) {
      const end = Math.min(data.byteLength, i + NMAX)
      for (; i < end; i++) {
        a += data[i]!
        b += a
      }
      a %= MOD_ADLER
      b %= MOD_ADLER
    }
  }
  return ((b << 16) | a) >>> 0
}

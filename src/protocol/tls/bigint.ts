/**
 * BigInt helpers for SRP: big-endian conversions (RFC 5054 §2.1 numbers are unsigned big-endian
 * octet strings) and modular exponentiation, which JavaScript lacks.
 */

export function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n
  let hex = ''
  for (const b of bytes) hex += b.toString(16).padStart(2, '0')
  return BigInt(`0x${hex}`)
}

/** The minimal big-endian encoding: no leading zero bytes (RFC 5054 §2.6 premaster secret, A, B). */
export function bigIntToBytes(n: bigint): Uint8Array {
  if (n < 0n) throw new RangeError('negative number')
  let hex = n.toString(16)
  if (hex.length % 2) hex = `0${hex}`
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** RFC 5054 §2.6 PAD(): left-padded with zeros to `length` bytes (the length of N). */
export function padBigInt(n: bigint, length: number): Uint8Array {
  const minimal = bigIntToBytes(n)
  if (minimal.length > length) throw new RangeError(`number of ${minimal.length} bytes exceeds ${length}`)
  const out = new Uint8Array(length)
  out.set(minimal, length - minimal.length)
  return out
}

const WINDOW_BITS = 5

/**
 * base^exp mod m by a left-to-right sliding window of 5 bits: about bits + bits/6 multiplications
 * instead of square-and-multiply's bits * 1.5, which keeps a 2048-bit handshake well under the
 * 150 ms budget (bench/tls measures it).
 */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n
  if (exp < 0n) throw new RangeError('negative exponent')
  const b = ((base % m) + m) % m
  // Odd powers b^1, b^3, …, b^(2^w - 1).
  const table: bigint[] = [b]
  const b2 = (b * b) % m
  for (let i = 1; i < 1 << (WINDOW_BITS - 1); i++) table.push(((table[i - 1] as bigint) * b2) % m)
  const bits = exp.toString(2)
  let result = 1n
  let i = 0
  while (i < bits.length) {
    if (bits[i] === '0') {
      result = (result * result) % m
      i++
      continue
    }
    // The longest window starting here, of at most WINDOW_BITS bits, that ends in a 1.
    let j = Math.min(i + WINDOW_BITS, bits.length)
    while (bits[j - 1] === '0') j--
    const window = parseInt(bits.slice(i, j), 2)
    for (let k = i; k < j; k++) result = (result * result) % m
    result = (result * (table[window >> 1] as bigint)) % m
    i = j
  }
  return result
}

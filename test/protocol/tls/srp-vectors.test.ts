import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { secretWithZeroLedSalt } from './interop-tools'
import { bigIntToBytes, bytesToBigInt, modPow, padBigInt } from '../../../src/protocol/tls/bigint'
import { toHex } from '../../../src/protocol/access/hex'
import { RFC5054_GROUP_1024, RFC5054_GROUP_2048 } from '../../../src/protocol/tls/groups'
import {
  clientPublic,
  clientSecret,
  derivedSalt,
  premasterSecret,
  serverPublic,
  serverSecret,
  srpK,
  srpU,
  srpVerifier,
  srpX,
} from '../../../src/protocol/tls/srp'

interface Vectors {
  I: string
  P: string
  s: string
  k: string
  x: string
  v: string
  a: string
  b: string
  A: string
  B: string
  u: string
  premaster: string
}
const hexToBytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'))
const V = JSON.parse(
  readFileSync(new URL('../../testdata/rfc5054-appendix-b.json', import.meta.url), 'utf8'),
) as Vectors
const big = (hex: string): bigint => BigInt(`0x${hex}`)
const group = RFC5054_GROUP_1024

describe('RFC 5054 Appendix B', () => {
  const salt = hexToBytes(V.s)

  it('k, x, v', async () => {
    expect(await srpK(group)).toBe(big(V.k))
    expect(await srpX(salt, V.I, V.P)).toBe(big(V.x))
    expect(await srpVerifier(group, salt, V.I, V.P)).toBe(big(V.v))
  })

  it('A, B, u and the premaster secret from both sides', async () => {
    const A = clientPublic(group, big(V.a))
    const B = await serverPublic(group, big(V.v), big(V.b))
    expect(A).toBe(big(V.A))
    expect(B).toBe(big(V.B))
    expect(await srpU(group, A, B)).toBe(big(V.u))
    const client = await clientSecret(group, A, B, big(V.a), salt, V.I, V.P)
    const server = await serverSecret(group, A, B, big(V.v), big(V.b))
    expect(toHex(premasterSecret(client))).toBe(V.premaster.toLowerCase())
    expect(server).toBe(client)
  })
})

describe('leading zeros (RFC 5054 §2.6)', () => {
  it('premaster secret drops leading zero bytes; PAD keeps the length of N', () => {
    const S = 0x00_00_12_34n
    expect(toHex(premasterSecret(S))).toBe('1234')
    expect(toHex(padBigInt(0x1234n, 4))).toBe('00001234')
    expect(toHex(bigIntToBytes(0n))).toBe('00')
    expect(bytesToBigInt(hexToBytes('00001234'))).toBe(0x1234n)
  })

  it('u hashes A and B padded to the length of N, whatever their own length', async () => {
    // A value with a zero top byte must hash as PAD(A), not as its minimal encoding.
    const A = big('00' + 'ff'.repeat(255)) >> 8n
    const u = await srpU(RFC5054_GROUP_2048, A, 5n)
    const manual = new Uint8Array(
      await crypto.subtle.digest('SHA-1', new Uint8Array([...padBigInt(A, 256), ...padBigInt(5n, 256)])),
    )
    expect(u).toBe(bytesToBigInt(manual))
  })
})

describe('modPow', () => {
  it('agrees with square-and-multiply on random inputs', () => {
    const N = RFC5054_GROUP_2048.N
    for (let i = 0; i < 20; i++) {
      const base = bytesToBigInt(crypto.getRandomValues(new Uint8Array(256))) % N
      const exp = bytesToBigInt(crypto.getRandomValues(new Uint8Array(1 + (i % 40))))
      let r = 1n
      let b = base
      for (let e = exp; e > 0n; e >>= 1n) {
        if (e & 1n) r = (r * b) % N
        b = (b * b) % N
      }
      expect(modPow(base, exp, N)).toBe(r)
    }
    expect(modPow(7n, 0n, N)).toBe(1n)
  })
})

describe('derived salts (RFC 5054 §2.5.1.3)', () => {
  it('are stable per username and differ between usernames and secrets', async () => {
    const secret = new Uint8Array(32).fill(7)
    const a1 = await derivedSalt(secret, 'alice')
    expect(toHex(await derivedSalt(secret, 'alice'))).toBe(toHex(a1))
    expect(toHex(await derivedSalt(secret, 'bob'))).not.toBe(toHex(a1))
    expect(toHex(await derivedSalt(new Uint8Array(32).fill(8), 'alice'))).not.toBe(toHex(a1))
    expect(a1.length).toBe(16)
  })

  it('never start with a zero byte, which OpenSSL drops before hashing', async () => {
    const secret = await secretWithZeroLedSalt('alice')
    expect((await derivedSalt(secret, 'alice'))[0]).not.toBe(0)
  })
})

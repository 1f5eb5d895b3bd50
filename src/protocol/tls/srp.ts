import { bigIntToBytes, bytesToBigInt, modPow, padBigInt } from './bigint'
import { concatBytes, utf8Encoder } from '../wire/bytes'
import type { SrpGroup } from './groups'
import { importHmacKey, hmac, sha1 } from './prf'

/**
 * SRP-6a as RFC 5054 §2.5-2.6 uses it, with SHA-1. Leading zeros matter and are easy to get wrong
 * (a mistake fails about one handshake in 256): A, B and N are sent minimal-length; only the
 * hashes for k and u pad g, A and B to the length of N; the premaster secret is S without leading
 * zero bytes.
 */

/** Private exponents a and b: RFC 5054 §2.5.4 asks for at least 256 bits. */
const PRIVATE_EXPONENT_BYTES = 32
/** Length of our salts, real and simulated alike (GnuTLS and OpenSSL use 16 too). */
export const SALT_BYTES = 16

function lengthOf(group: SrpGroup): number {
  return bigIntToBytes(group.N).length
}

const multipliers = new WeakMap<SrpGroup, Promise<bigint>>()

/** k = SHA1(N | PAD(g)), once per group. */
export function srpK(group: SrpGroup): Promise<bigint> {
  let k = multipliers.get(group)
  if (!k) {
    const len = lengthOf(group)
    k = sha1(concatBytes([bigIntToBytes(group.N), padBigInt(group.g, len)])).then(bytesToBigInt)
    multipliers.set(group, k)
  }
  return k
}

/** x = SHA1(s | SHA1(I | ":" | P)) */
export async function srpX(salt: Uint8Array, username: string, password: string): Promise<bigint> {
  const inner = await sha1(utf8Encoder.encode(`${username}:${password}`))
  return bytesToBigInt(await sha1(concatBytes([salt, inner])))
}

/** u = SHA1(PAD(A) | PAD(B)) */
export async function srpU(group: SrpGroup, A: bigint, B: bigint): Promise<bigint> {
  const len = lengthOf(group)
  return bytesToBigInt(await sha1(concatBytes([padBigInt(A, len), padBigInt(B, len)])))
}

/** v = g^x % N */
export async function srpVerifier(
  group: SrpGroup,
  salt: Uint8Array,
  username: string,
  password: string,
): Promise<bigint> {
  return modPow(group.g, await srpX(salt, username, password), group.N)
}

export function randomExponent(): bigint {
  return bytesToBigInt(crypto.getRandomValues(new Uint8Array(PRIVATE_EXPONENT_BYTES)))
}

/** A = g^a % N */
export function clientPublic(group: SrpGroup, a: bigint): bigint {
  return modPow(group.g, a, group.N)
}

/** B = k*v + g^b % N */
export async function serverPublic(group: SrpGroup, v: bigint, b: bigint): Promise<bigint> {
  return ((await srpK(group)) * v + modPow(group.g, b, group.N)) % group.N
}

/** The client's S = (B - (k * g^x)) ^ (a + (u * x)) % N. */
export async function clientSecret(
  group: SrpGroup,
  A: bigint,
  B: bigint,
  a: bigint,
  salt: Uint8Array,
  username: string,
  password: string,
): Promise<bigint> {
  const { N, g } = group
  const [x, u, k] = await Promise.all([srpX(salt, username, password), srpU(group, A, B), srpK(group)])
  const base = (((B - ((k * modPow(g, x, N)) % N)) % N) + N) % N
  return modPow(base, a + u * x, N)
}

/** The server's S = (A * v^u) ^ b % N. */
export async function serverSecret(
  group: SrpGroup,
  A: bigint,
  B: bigint,
  v: bigint,
  b: bigint,
): Promise<bigint> {
  const u = await srpU(group, A, B)
  return modPow((A * modPow(v, u, group.N)) % group.N, b, group.N)
}

/** RFC 5054 §2.6: the premaster secret is S with leading zero bytes removed. */
export function premasterSecret(S: bigint): Uint8Array {
  return bigIntToBytes(S)
}

/**
 * RFC 5054 §2.5.1.3: the salt for a username, derived from a server secret so that it is stable
 * across attempts. We use it for known usernames too, so a prober cannot tell them apart by
 * whether the salt changes.
 *
 * Never with a leading zero byte: OpenSSL's client holds the salt as a number and hashes it
 * without its leading zeros (RFC 5054 §2.6 hashes the salt as sent, as we do), so with one salt
 * in 256 its key differed from ours and the handshake failed as a wrong password would
 * (bad_record_mac; 7 of 1,024 libssl handshakes). The salt is only needed stable per secret.
 */
export async function derivedSalt(serverSecretKey: Uint8Array, username: string): Promise<Uint8Array> {
  const key = await importHmacKey('SHA-256', serverSecretKey)
  const salt = (await hmac(key, utf8Encoder.encode(`clearskies srp salt\0${username}`))).slice(0, SALT_BYTES)
  if (salt[0] === 0) salt[0] = 1
  return salt
}

import { asArrayBufferView, concatBytes, utf8Encoder } from '../wire/bytes'
import { MASTER_SECRET_BYTES, VERIFY_DATA_BYTES } from './constants'

/**
 * Hashes and the TLS 1.2 PRF (RFC 5246 §5), all on WebCrypto so the same code runs in a worker
 * and in Node.
 */
type Subtle = typeof crypto.subtle
const subtle = (): Subtle => crypto.subtle
/** WebCrypto's CryptoKey, named through `crypto` so the worker and the Node type checks both read it. */
export type Key = Awaited<ReturnType<Subtle['importKey']>>

export async function sha1(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-1', asArrayBufferView(data)))
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', asArrayBufferView(data)))
}

export function importHmacKey(hash: 'SHA-1' | 'SHA-256', key: Uint8Array): Promise<Key> {
  return subtle().importKey('raw', asArrayBufferView(key), { name: 'HMAC', hash }, false, ['sign', 'verify'])
}

export async function hmac(key: Key, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign('HMAC', key, asArrayBufferView(data)))
}

/** SHA-256 output: one block of P_SHA256. */
const PRF_BLOCK_BYTES = 32

/** The PRF's secret as an HMAC-SHA256 key, imported once and used for every PRF call on it. */
export function prfKey(secret: Uint8Array): Promise<Key> {
  return importHmacKey('SHA-256', secret)
}

/** RFC 5246 §5: PRF(secret, label, seed) = P_SHA256(secret, label + seed), cut to `length`. */
export async function prf(key: Key, label: string, seed: Uint8Array, length: number): Promise<Uint8Array> {
  const labelSeed = concatBytes([utf8Encoder.encode(label), seed])
  // A(i) = HMAC(secret, A(i-1)) is a chain, but each output block HMAC(secret, A(i) + seed)
  // depends only on its A(i): compute the chain first, then every block at once.
  const chain: Uint8Array[] = []
  let a: Uint8Array = labelSeed // A(0)
  for (let filled = 0; filled < length; filled += PRF_BLOCK_BYTES) {
    a = await hmac(key, a)
    chain.push(a)
  }
  const blocks = await Promise.all(chain.map((ai) => hmac(key, concatBytes([ai, labelSeed]))))
  return concatBytes(blocks).slice(0, length)
}

/**
 * RFC 5246 §8.1 master secret, or RFC 7627 §4 extended master secret when `sessionHash` (the
 * hash of the handshake up to and including ClientKeyExchange) is given; as a PRF key.
 */
export async function masterSecretKey(
  premaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  sessionHash: Uint8Array | null,
): Promise<Key> {
  const key = await prfKey(premaster)
  const master = sessionHash
    ? await prf(key, 'extended master secret', sessionHash, MASTER_SECRET_BYTES)
    : await prf(key, 'master secret', concatBytes([clientRandom, serverRandom]), MASTER_SECRET_BYTES)
  return prfKey(master)
}

/** RFC 5246 §7.4.9 verify_data. */
export function finishedVerifyData(
  masterKey: Key,
  sender: 'client' | 'server',
  transcriptHash: Uint8Array,
): Promise<Uint8Array> {
  return prf(masterKey, `${sender} finished`, transcriptHash, VERIFY_DATA_BYTES)
}

/** Compares without an early exit, so the time does not say where two MACs or verify_data differ. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

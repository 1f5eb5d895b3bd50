/** Signatures: RSA PKCS#1 v1.5 with SHA-256 over the body's JSON bytes, base64. */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  RSA_SIGNATURE_ALGORITHM,
  type RsaKeyPair,
  encodeBody,
  encodeFrame,
  signBody,
  verifyBody,
} from '../../../src/protocol/wire'
import { decodeBytes, text } from './decode-all'

let keys: RsaKeyPair
let otherKeys: RsaKeyPair
const generate = (): Promise<RsaKeyPair> =>
  crypto.subtle.generateKey(
    { ...RSA_SIGNATURE_ALGORITHM, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    false,
    ['sign', 'verify'],
  )

beforeAll(async () => {
  ;[keys, otherKeys] = await Promise.all([generate(), generate()])
})

describe('signed messages', () => {
  it('a signature made by signBody verifies over the body as decoded, framing newline included', async () => {
    const bodyBytes = encodeBody({ type: 'database.update', rev: 2n ** 62n })
    const signature = await signBody(bodyBytes, keys.privateKey)
    const [decoded] = decodeBytes(encodeFrame(bodyBytes, { signature }))
    expect(decoded!.message.signature).toBe(signature)
    expect(await verifyBody(decoded!.message.bodyBytes, decoded!.message.signature!, keys.publicKey)).toBe(
      true,
    )
  })

  it('a peer that signs the JSON without its trailing newline is accepted too', async () => {
    const signature = await signBody(text('{"type":"x"}'), keys.privateKey)
    expect(await verifyBody(text('{"type":"x"}\n'), signature, keys.publicKey)).toBe(true)
  })

  it('refuses another key, a changed body, and a signature that is not base64', async () => {
    const bodyBytes = encodeBody({ type: 'x', n: 1 })
    const signature = await signBody(bodyBytes, keys.privateKey)
    expect(await verifyBody(bodyBytes, signature, otherKeys.publicKey)).toBe(false)
    expect(await verifyBody(encodeBody({ type: 'x', n: 2 }), signature, keys.publicKey)).toBe(false)
    expect(await verifyBody(bodyBytes, 'not*base64', keys.publicKey)).toBe(false)
  })

  it('a stored signed body is repeated verbatim: no second newline, same signature', async () => {
    const original = encodeFrame(encodeBody({ type: 'x' }), { signature: 'AAAA' })
    const [decoded] = decodeBytes(original)
    expect(encodeFrame(decoded!.message.bodyBytes, { signature: decoded!.message.signature! })).toEqual(
      original,
    )
  })
})

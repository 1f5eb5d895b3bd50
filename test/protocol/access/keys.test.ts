/** Share keys and RSA PEM: PKCS#1 out (core.md's `core.keys` forms), PKCS#1 and PKCS#8/SPKI in, checked against node:crypto. */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  AccessErrorCode,
  type AccessLevelKeys,
  exportPrivateKeyPem,
  exportPublicKeyPem,
  generateAccessLevelKeys,
  generatePeerId,
  importPrivateKeyPem,
  importPublicKeyPem,
  publicKeyFromPrivate,
} from '../../../src/protocol/access'
import { encodeBody, signBody, verifyBody } from '../../../src/protocol/wire'

let keys: AccessLevelKeys

beforeAll(async () => {
  let n = 0
  keys = await generateAccessLevelKeys('read_only', (length) => Uint8Array.from({ length }, () => n++ & 0xff))
})

describe('share keys', () => {
  it('an access level has a 256-bit key and key ID in hex, from the random source, and a 2048-bit RSA pair in PKCS#1 PEM', () => {
    expect(keys.accessLevel).toBe('read_only')
    expect(keys.key).toBe(Buffer.from(Uint8Array.from({ length: 32 }, (_, i) => i)).toString('hex'))
    expect(keys.keyId).toMatch(/^[0-9a-f]{64}$/)
    expect(keys.keyId).not.toBe(keys.key)
    expect(keys.privateRsa).toMatch(
      /^-----BEGIN RSA PRIVATE KEY-----\nMII[A-Za-z0-9+/=\n]+\n-----END RSA PRIVATE KEY-----\n$/,
    )
    expect(keys.publicRsa).toMatch(
      /^-----BEGIN RSA PUBLIC KEY-----\nMII[A-Za-z0-9+/=\n]+\n-----END RSA PUBLIC KEY-----\n$/,
    )
    // OpenSSL (through node:crypto) reads our PKCS#1 as the same key.
    const fromOpenssl = createPublicKey(createPrivateKey({ key: keys.privateRsa, format: 'pem' }))
    expect(fromOpenssl.asymmetricKeyDetails?.modulusLength).toBe(2048)
    expect(fromOpenssl.export({ type: 'pkcs1', format: 'pem' })).toBe(keys.publicRsa)
  })

  it('a peer ID is 128 bits in hex, fresh each time', () => {
    expect(generatePeerId()).toMatch(/^[0-9a-f]{32}$/)
    expect(generatePeerId()).not.toBe(generatePeerId())
  })
})

describe('RSA PEM', () => {
  it('PKCS#1 round trip: import then export gives the same PEM', async () => {
    const privateKey = await importPrivateKeyPem(keys.privateRsa)
    expect(await exportPrivateKeyPem(privateKey)).toBe(keys.privateRsa)
    expect(await exportPublicKeyPem(await importPublicKeyPem(keys.publicRsa))).toBe(keys.publicRsa)
    expect(await exportPublicKeyPem(await publicKeyFromPrivate(privateKey))).toBe(keys.publicRsa)
  })

  it('accepts PKCS#8 "PRIVATE KEY" and SPKI "PUBLIC KEY" from OpenSSL, with CRLF line ends', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pkcs8 = (privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).replace(/\n/g, '\r\n')
    const spki = publicKey.export({ type: 'spki', format: 'pem' }) as string
    const imported = await importPrivateKeyPem(pkcs8)
    expect(await exportPrivateKeyPem(imported)).toBe(privateKey.export({ type: 'pkcs1', format: 'pem' }))
    expect(await exportPublicKeyPem(await importPublicKeyPem(spki))).toBe(
      publicKey.export({ type: 'pkcs1', format: 'pem' }),
    )
  })

  it('signs with the imported private key and verifies with the imported public key', async () => {
    const body = encodeBody({ type: 'database.update', key: 'photo-1234' })
    const signature = await signBody(body, await importPrivateKeyPem(keys.privateRsa))
    expect(await verifyBody(body, signature, await importPublicKeyPem(keys.publicRsa))).toBe(true)
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'pkcs1',
      format: 'pem',
    }) as string
    expect(await verifyBody(body, signature, await importPublicKeyPem(other))).toBe(false)
  })

  it.each([
    ['no PEM block', 'hello'],
    ['a certificate', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
    ['bad base64', '-----BEGIN RSA PUBLIC KEY-----\n*\n-----END RSA PUBLIC KEY-----\n'],
    ['DER that is not a key', '-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----\n'],
    [
      'an SPKI of another algorithm',
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
        type: 'spki',
        format: 'pem',
      }) as string,
    ],
    [
      'a 1024-bit key',
      generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
        type: 'pkcs1',
        format: 'pem',
      }) as string,
    ],
  ])('refuses %s with a typed error', async (_name, pem) => {
    await expect(importPublicKeyPem(pem)).rejects.toMatchObject({ code: AccessErrorCode.Key })
  })
})

/** Access ID and SRP credentials, computed independently with node:crypto as the reference. */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  AccessErrorCode,
  accessCodeCredentials,
  accessCodeFromBytes,
  customCredentials,
  shareKeyCredentials,
} from '../../../src/protocol/access'

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex')

describe('credentials', () => {
  it('access code: access ID = SHA-256 of the first 8 random bytes (not of the prefixed bytes); password = the last 8 in hex', async () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i)
    const creds = await accessCodeCredentials(accessCodeFromBytes(bytes))
    expect(creds.accessId).toBe(sha256(bytes.subarray(0, 8)))
    expect(creds.accessId).toMatch(/^[0-9a-f]{64}$/)
    expect(creds.srpUsername).toBe(`clearskies:1:${creds.accessId}`)
    expect(creds.srpPassword).toBe('a8a9aaabacadaeaf')
  })

  it('custom username and password: access ID = SHA-256 of the NFC username; the password as typed, in NFC', async () => {
    const composed = await customCredentials('Zoë', 'crème brûlée')
    const decomposed = await customCredentials('Zoe\u0308', 'cre\u0300me bru\u0302le\u0301e')
    expect(composed).toEqual(decomposed)
    expect(composed.accessId).toBe(sha256('Zoë'))
    expect(composed.srpUsername).toBe(`clearskies:1:${sha256('Zoë')}`)
    expect(composed.srpPassword).toBe('crème brûlée')
  })

  it('refuses an empty or overlong custom credential', async () => {
    await expect(customCredentials('', 'x')).rejects.toMatchObject({ code: AccessErrorCode.Credential })
    await expect(customCredentials('user', 'x'.repeat(257))).rejects.toMatchObject({
      code: AccessErrorCode.Credential,
    })
  })

  it('share key: username from the key ID, password the key, lowercase hex', () => {
    expect(shareKeyCredentials('AE3D', 'B699')).toEqual({
      srpUsername: 'clearskies:1:ae3d',
      srpPassword: 'b699',
    })
  })
})

/** `clearskies code new` and `clearskies code inspect`, run as a person runs them. */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { accessCodeFromBytes } from '../../src/protocol/access'
import { runCli } from './run-cli'

const KNOWN = accessCodeFromBytes(Uint8Array.from({ length: 16 }, (_, i) => i))

describe('clearskies code', () => {
  it('code new prints one fresh code; --json adds its level, URL and access ID', async () => {
    const plain = await runCli(['code', 'new'])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toMatch(/^SYNC[A-Z2-7]{29}\n$/)
    const json = await runCli(['code', 'new', '--mode', 'read_only', '--json'])
    const parsed = JSON.parse(json.stdout) as Record<string, string>
    expect(parsed.access_level).toBe('read_only')
    expect(parsed.url).toBe(`clearskies://directory/${parsed.code}`)
    expect(parsed.code).not.toBe(plain.stdout.trim())
  })

  it('code new refuses an unknown mode', async () => {
    const result = await runCli(['code', 'new', '--mode', 'admin'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("--mode must be one of read_write, read_only, got 'admin'")
  })

  it('code inspect prints the normalized code, access ID and SRP credentials, from a pasted, grouped, lower-case code', async () => {
    const pasted = KNOWN.text.toLowerCase().match(/.{1,4}/g)!
    const result = await runCli(['code', 'inspect', ...pasted])
    expect(result.code).toBe(0)
    const accessId = createHash('sha256')
      .update(Uint8Array.from({ length: 8 }, (_, i) => i))
      .digest('hex')
    expect(JSON.parse(result.stdout)).toEqual({
      valid: true,
      code: KNOWN.text,
      access_id: accessId,
      srp_username: `clearskies:1:${accessId}`,
      srp_password: '08090a0b0c0d0e0f',
    })
  })

  it('code inspect says what is wrong with a bad code and exits nonzero', async () => {
    const typo = `${KNOWN.text.slice(0, 10)}${KNOWN.text[10] === 'A' ? 'B' : 'A'}${KNOWN.text.slice(11)}`
    const result = await runCli(['code', 'inspect', typo])
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: false, error_code: 'ERR_ACCESS_CODE_CHECK' })
    expect(result.stderr).toContain('check character does not match')
  })
})

/** Every setting by flag and by environment variable, flags first, each value checked. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseBridgeConfig } from '../../bridge/config'
import { ConfigError, parseSignalingConfig, SETTINGS, signalingUsage } from '../../signaling/config'

describe('signaling configuration', () => {
  it('has the documented defaults', () => {
    const config = parseSignalingConfig([], {})
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      'tcp-port': 49200,
      redis: undefined,
      'trust-proxy': false,
      'log-level': 'info',
    })
    expect(config.static).toMatch(/\/dist$/)
  })

  it('takes every setting from its environment variable, and a flag over it', () => {
    const env = {
      SIGNALING_PORT: '9000',
      REDIS_URL: 'redis://127.0.0.1:6390',
      SIGNALING_TRUST_PROXY: 'true',
      SIGNALING_MAX_IDS: '4',
    }
    expect(parseSignalingConfig([], env)).toMatchObject({
      port: 9000,
      redis: 'redis://127.0.0.1:6390',
      'trust-proxy': true,
      'max-ids': 4,
    })
    expect(parseSignalingConfig(['--port', '9100', '--max-ids=8'], env)).toMatchObject({
      port: 9100,
      'max-ids': 8,
    })
    for (const s of Object.values(SETTINGS)) expect(signalingUsage()).toContain(s.env)
  })

  it.each([
    [['--port', '70000'], /--port must be an integer within \[0, 65535\], got "70000"/],
    [['--max-ids', 'many'], /--max-ids must be an integer/],
    [['--log-level', 'loud'], /--log-level must be one of/],
    [['--min-ttl-s', '100', '--max-ttl-s', '50'], /--min-ttl-s 100 exceeds --max-ttl-s 50/],
    [['--no-such-flag'], /no-such-flag/],
  ])('refuses %j', (args, message) => {
    expect(() => parseSignalingConfig(args, {})).toThrow(ConfigError)
    expect(() => parseSignalingConfig(args, {})).toThrow(message)
  })

  it('reads the bridge token from a file or $CLEARSKIES_BRIDGE_TOKEN, never a flag, for server and bridge alike', () => {
    const token = 'a1'.repeat(16)
    const file = join(mkdtempSync(join(tmpdir(), 'cs-token-')), 'token')
    writeFileSync(file, `${token}\n`)
    expect(parseSignalingConfig([], {}).bridgeToken).toBeUndefined()
    expect(parseSignalingConfig([], { CLEARSKIES_BRIDGE_TOKEN: token }).bridgeToken).toBe(token)
    expect(parseSignalingConfig(['--bridge-token-file', file], {}).bridgeToken).toBe(token)
    expect(parseSignalingConfig([], { CLEARSKIES_BRIDGE_TOKEN_FILE: file }).bridgeToken).toBe(token)
    expect(() =>
      parseSignalingConfig(['--bridge-token-file', file], { CLEARSKIES_BRIDGE_TOKEN: token }),
    ).toThrow(/set twice/)
    expect(() => parseSignalingConfig([], { CLEARSKIES_BRIDGE_TOKEN: 'short' })).toThrow(
      /16 to 1024 characters/,
    )
    expect(() => parseSignalingConfig([], { CLEARSKIES_BRIDGE_TOKEN: `${token} x` })).toThrow(ConfigError)
    expect(() => parseSignalingConfig(['--bridge-token-file', `${file}.missing`], {})).toThrow(
      /cannot read the bridge token file/,
    )
    expect(() => parseSignalingConfig(['--bridge-token', token], {})).toThrow(ConfigError)
    expect(signalingUsage()).toContain('CLEARSKIES_BRIDGE_TOKEN')

    const bridge = (args: string[], env: Record<string, string>) =>
      parseBridgeConfig(['--signaling', 'http://127.0.0.1:8080', ...args], env).token
    expect(bridge([], {})).toBeNull()
    expect(bridge([], { CLEARSKIES_BRIDGE_TOKEN: token })).toBe(token)
    expect(bridge(['--bridge-token-file', file], {})).toBe(token)
    expect(() => bridge([], { CLEARSKIES_BRIDGE_TOKEN: 'short' })).toThrow(/16 to 1024 characters/)
  })
})

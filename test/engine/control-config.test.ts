import { describe, expect, it } from 'vitest'
import { checkConfig, ConfigStore, type PeerConfig } from '../../src/engine/control-config'
import { MemoryKeyValueStore } from '../../src/engine/kv-store'
import { CONFIG_KEY } from '../../src/engine/stored'

const DEFAULTS: PeerConfig = {
  upload_limit: 0,
  download_limit: 0,
  tracker: '',
  lan: true,
  listen: '0.0.0.0:49211',
  name: '',
}

describe('settings', () => {
  it.each([
    [{ upload_limit: -1 }, /upload_limit must be a whole number/],
    [{ download_limit: 1.5 }, /download_limit must be a whole number/],
    [{ tracker: 'http://myserver.com/cs-track' }, /tracker must be HOST:PORT/],
    [{ listen: '' }, /listen must be HOST:PORT/],
    [{ listen: 'host:70000' }, /listen must be HOST:PORT/],
    [{ lan: 'yes' }, /lan must be true or false/],
    [{ name: 'a\nb' }, /name must be one line/],
    [{ use_dht: true }, /unknown setting "use_dht"/],
  ])('refuses %j', (values, message) => {
    expect(() => checkConfig(values)).toThrow(message)
  })

  it('accepts good values, stores them over the defaults, and reports what changed', async () => {
    const kv = new MemoryKeyValueStore()
    const store = new ConfigStore(kv, DEFAULTS)
    expect(await store.write({ upload_limit: 1000, tracker: '[::1]:49200', lan: false })).toEqual([
      'upload_limit',
      'tracker',
      'lan',
    ])
    expect(await store.write({ upload_limit: 1000, name: 'den' })).toEqual(['name'])
    expect(await store.read()).toEqual({
      ...DEFAULTS,
      upload_limit: 1000,
      tracker: '[::1]:49200',
      lan: false,
      name: 'den',
    })
  })

  it('reads past a stored value that no longer validates', async () => {
    const kv = new MemoryKeyValueStore()
    await kv.set(CONFIG_KEY, { upload_limit: 'fast', name: 'den', gone: 1 })
    expect(await new ConfigStore(kv, DEFAULTS).read()).toEqual({ ...DEFAULTS, name: 'den' })
  })
})

import { expect, it } from 'vitest'
import { createControlHandler, type ControlHost } from '../../src/engine/control'
import { ConfigStore, type PeerConfig } from '../../src/engine/control-config'
import type { Engine } from '../../src/engine/engine'
import { MemoryKeyValueStore } from '../../src/engine/kv-store'
import { answerControlRequest } from '../../src/protocol/control/session'

const DEFAULTS: PeerConfig = {
  upload_limit: 0,
  download_limit: 0,
  tracker: '',
  lan: true,
  listen: ':1',
  name: '',
}

it('set_config ignores unknown keys that happen to name an Object property (control.md)', async () => {
  const kv = new MemoryKeyValueStore()
  const config = new ConfigStore(kv, DEFAULTS)
  const host = { configChanged: () => {} } as unknown as ControlHost
  const engine = { setRateLimits: () => {} } as unknown as Engine
  const handler = createControlHandler({ engine, kv, config, host })
  const answer = await answerControlRequest(
    { type: 'set_config', config: { constructor: 1, toString: 'x', name: 'den' } },
    handler,
  )
  expect(answer).toEqual({ ignored: ['constructor', 'toString'] })
  expect((await config.read()).name).toBe('den')
})

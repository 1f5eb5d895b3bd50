/** Stopping the engine ends its worker whatever closing its host did, and still says what failed. */
import type { Remote } from 'comlink'
import { expect, it } from 'vitest'
import type { PeerManager } from '../../src/net/peer-manager'
import type { EngineHost } from '../../src/platform/browser/engine-host'

// simple-peer (imported through the peer manager) wants Node's `global`, which the app's vite
// config defines and this one does not.
;(globalThis as unknown as { global: unknown }).global = globalThis
const { engineClient } = await import('../../src/app/engine-client')

it('ends the worker though closing the engine host fails, and passes the failure on', async () => {
  const ended: string[] = []
  const failure = new Error('a share would not close')
  const worker = { terminate: () => void ended.push('worker') } as unknown as Worker
  const host = { close: () => Promise.reject(failure) } as unknown as Remote<EngineHost>
  const peers = { stop: () => void ended.push('links') } as unknown as PeerManager
  await expect(engineClient(worker, host, peers).stop()).rejects.toBe(failure)
  expect(ended).toEqual(['links', 'worker'])
})

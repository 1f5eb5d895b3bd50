/**
 * A pause is kept across reloads, as the daemon keeps it across restarts (src/engine/control.ts):
 * someone who paused syncing and reloads the tab does not find it syncing again. Two hosts started
 * one after the other on the same storage stand for the tab before and after the reload.
 */
import { describe, expect, it } from 'vitest'
import { EngineHost } from '../../src/platform/browser/engine-host'

const reopened = async (): Promise<EngineHost> => EngineHost.start({ appUrl: 'https://example.test/' })

describe("the worker host's pause", () => {
  it('is still on after a reload, and so is the resume', async () => {
    const before = await reopened()
    await before.pause()
    expect(before.snapshot().paused).toBe(true)
    await before.close()

    const after = await reopened()
    expect(after.snapshot().paused).toBe(true)
    await after.resume()
    await after.close()

    const resumed = await reopened()
    expect(resumed.snapshot().paused).toBe(false)
    await resumed.close()
  })
})

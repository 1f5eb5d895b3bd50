import { describe, expect, it } from 'vitest'
import { EngineLock } from '../../src/app/engine-lock'

/** Two tabs, as two locks in this page: Web Locks and BroadcastChannel reach across objects alike. */
let tests = 0
function tabs(handoverTimeoutMs = 5_000) {
  const name = `engine-lock-test-${++tests}-${Math.random()}`
  const events: string[] = []
  const tab = (label: string, handOver: () => Promise<void> = async () => undefined): EngineLock =>
    new EngineLock(
      async () => {
        events.push(`${label} hands over`)
        await handOver()
      },
      () => events.push(`${label} lost`),
      { name, handoverTimeoutMs },
    )
  return { tab, events }
}

describe('EngineLock', () => {
  it('lets one tab hold the engine; another takes over only once the holder has stopped', async () => {
    const { tab, events } = tabs()
    let stopped = false
    const first = tab('first', async () => {
      await new Promise((r) => setTimeout(r, 100))
      stopped = true
    })
    const second = tab('second')
    expect(await first.tryAcquire()).toBe(true)
    expect(await second.tryAcquire()).toBe(false)

    await second.takeOver()
    expect(stopped).toBe(true)
    expect([first.held, second.held]).toEqual([false, true])
    expect(events).toEqual(['first hands over'])

    // And back.
    await first.takeOver()
    expect([first.held, second.held]).toEqual([true, false])
    expect(events).toEqual(['first hands over', 'second hands over'])
  })

  it('takes the lock from a holder that does not hand over in time, and tells it', async () => {
    const { tab, events } = tabs(300)
    const stuck = tab('stuck', () => new Promise(() => undefined))
    const next = tab('next')
    expect(await stuck.tryAcquire()).toBe(true)
    const asked = performance.now()
    await next.takeOver()
    expect(performance.now() - asked).toBeGreaterThanOrEqual(290)
    expect([stuck.held, next.held]).toEqual([false, true])
    expect(events).toEqual(['stuck hands over', 'stuck lost'])
  })

  it('takes a free lock at once when asked to take over', async () => {
    const { tab, events } = tabs()
    const only = tab('only')
    await only.takeOver()
    expect(only.held).toBe(true)
    expect(events).toEqual([])
  })
})

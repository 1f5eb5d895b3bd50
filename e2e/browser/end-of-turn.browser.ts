import { describe, expect, it } from 'vitest'
import { endOfTurn } from '../../src/platform/browser/end-of-turn'

/** Runs `step` `times` times, each from the one before, through `schedule`; resolves with `name`. */
function chain(schedule: (task: () => void) => void, times: number, name: string): Promise<string> {
  return new Promise((resolve) => {
    let left = times
    const step = (): void => (--left === 0 ? resolve(name) : schedule(step))
    schedule(step)
  })
}

describe('endOfTurn', () => {
  it('runs tasks after the current task and its microtasks, in the order they were deferred', async () => {
    const defer = endOfTurn()
    const log: string[] = []
    await new Promise<void>((resolve) => {
      defer(() => log.push('first'))
      defer(() => {
        log.push('second')
        resolve()
      })
      void Promise.resolve().then(() => log.push('microtask'))
      log.push('current task')
    })
    expect(log).toEqual(['current task', 'microtask', 'first', 'second'])
  })

  it('runs a task deferred by a deferred task in a later turn', async () => {
    const defer = endOfTurn()
    const log: string[] = []
    await new Promise<void>((resolve) =>
      defer(() => {
        log.push('outer')
        defer(() => {
          log.push('inner')
          resolve()
        })
        log.push('outer done')
      }),
    )
    expect(log).toEqual(['outer', 'outer done', 'inner'])
  })

  it('is not clamped as nested zero timeouts are (4 ms each past the fifth)', async () => {
    const defer = endOfTurn()
    const first = await Promise.race([
      chain(defer, 100, 'endOfTurn'),
      chain((task) => setTimeout(task, 0), 100, 'setTimeout'),
    ])
    expect(first).toBe('endOfTurn')
  })
})

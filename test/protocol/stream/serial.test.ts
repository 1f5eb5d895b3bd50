import { describe, expect, it } from 'vitest'
import { Serial } from '../../../src/protocol/stream/serial'

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1))

describe('Serial', () => {
  it('runs tasks one after another in call order, never two at once', async () => {
    const serial = new Serial()
    const log: string[] = []
    let running = 0
    const task = (name: string, ticks: number) => async (): Promise<string> => {
      running++
      log.push(`${name} starts with ${running} running`)
      for (let i = 0; i < ticks; i++) await tick()
      running--
      return name
    }
    const results = await Promise.all([
      serial.run(task('a', 3)),
      serial.run(task('b', 1)),
      serial.run(task('c', 2)),
    ])
    expect(results).toEqual(['a', 'b', 'c'])
    expect(log).toEqual(['a starts with 1 running', 'b starts with 1 running', 'c starts with 1 running'])
  })

  it('gives a failure to its own caller, and runs the tasks after it', async () => {
    const serial = new Serial()
    const failed = serial.run(async () => {
      await tick()
      throw new Error('first failed')
    })
    const second = serial.run(async () => 'second ran')
    await expect(failed).rejects.toThrow('first failed')
    await expect(second).resolves.toBe('second ran')
  })

  it('starts a task only when the one before it has settled', async () => {
    const serial = new Serial()
    let release: () => void = () => {}
    const first = serial.run(() => new Promise<void>((resolve) => (release = resolve)))
    let secondStarted = false
    const second = serial.run(async () => void (secondStarted = true))
    await tick()
    expect(secondStarted).toBe(false)
    release()
    await Promise.all([first, second])
    expect(secondStarted).toBe(true)
  })
})

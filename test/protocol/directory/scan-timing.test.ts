import { describe, expect, it } from 'vitest'
import { Debouncer, rescanDelayMs, RescanScheduler } from '../../../src/protocol/directory/scan-timing'

describe('Debouncer (directory.md, "File Change Notification")', () => {
  it('waits for a quiet period, and longer while changes continue', () => {
    const debouncer = new Debouncer(2_000, 60_000)
    debouncer.touch('/a', 0)
    expect(debouncer.nextDueAt()).toBe(2_000)
    debouncer.touch('/a', 1_500)
    expect(debouncer.due(2_000)).toEqual([])
    expect(debouncer.nextDueAt()).toBe(3_500)
    expect(debouncer.due(3_500)).toEqual(['/a'])
    expect(debouncer.size).toBe(0)
    expect(debouncer.nextDueAt()).toBeUndefined()
  })

  it('lets a file that never stops changing through after the maximum wait', () => {
    const debouncer = new Debouncer(2_000, 10_000)
    for (let t = 0; t <= 9_000; t += 1_000) debouncer.touch('/log', t)
    expect(debouncer.due(9_999)).toEqual([])
    expect(debouncer.due(10_000)).toEqual(['/log'])
  })

  it('keeps paths apart', () => {
    const debouncer = new Debouncer(1_000)
    debouncer.touch('/a', 0)
    debouncer.touch('/b', 500)
    expect(debouncer.due(1_000)).toEqual(['/a'])
    expect(debouncer.due(1_500)).toEqual(['/b'])
  })
})

describe('rescan timing (directory.md, "Computer Resources")', () => {
  it('waits the interval, or ten times the last scan if longer', () => {
    expect(rescanDelayMs(30_000, 600_000)).toBe(600_000)
    expect(rescanDelayMs(120_000, 600_000)).toBe(1_200_000)
  })

  it('keeps scanning under 10% of the time', () => {
    const scheduler = new RescanScheduler(0, 1_000)
    let now = 0
    let scanning = 0
    for (const duration of [50, 400, 3_000, 10, 700]) {
      now = scheduler.nextScanAt
      scheduler.started(now)
      now += duration
      scanning += duration
      scheduler.finished(now)
    }
    expect(scanning / scheduler.nextScanAt).toBeLessThanOrEqual(0.1)
  })
})

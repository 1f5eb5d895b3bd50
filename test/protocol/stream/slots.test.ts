import { describe, expect, it } from 'vitest'
import { Slots } from '../../../src/protocol/stream/slots'

describe('Slots', () => {
  it('gives free slots at once, then hands released ones to waiters in the order they asked', async () => {
    const slots = new Slots(2)
    expect(slots.take()).toBeUndefined()
    expect(slots.take()).toBeUndefined()
    const order: string[] = []
    const first = Promise.resolve(slots.take()).then(() => order.push('first'))
    const second = Promise.resolve(slots.take()).then(() => order.push('second'))
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(order).toEqual([])
    slots.release()
    await first
    expect(order).toEqual(['first'])
    slots.release()
    await second
    expect(order).toEqual(['first', 'second'])
  })

  it('frees the slot again when nobody waits', () => {
    const slots = new Slots(1)
    expect(slots.take()).toBeUndefined()
    slots.release()
    expect(slots.take()).toBeUndefined()
    expect(slots.take()).toBeInstanceOf(Promise)
  })
})

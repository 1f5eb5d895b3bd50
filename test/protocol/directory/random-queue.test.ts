import { describe, expect, it } from 'vitest'
import { RandomQueue } from '../../../src/protocol/directory/random-queue'
import { seededRandom as seeded } from './seeded-random'

describe('RandomQueue', () => {
  it('puts each of items added one by one in every position about equally often', () => {
    const random = seeded(42)
    const firsts = new Map<string, number>()
    const rounds = 6_000
    for (let round = 0; round < rounds; round++) {
      const queue = new RandomQueue<string>(random)
      for (const key of ['a', 'b', 'c']) queue.add(key, key)
      const [first] = queue.values()
      if (first !== undefined) firsts.set(first, (firsts.get(first) ?? 0) + 1)
    }
    for (const key of ['a', 'b', 'c'])
      expect(Math.abs((firsts.get(key) ?? 0) - rounds / 3)).toBeLessThan(rounds * 0.03)
  })

  it('adds once per key, deletes, and sweeps with take, keep and stop', () => {
    const queue = new RandomQueue<number>(seeded(1))
    for (let i = 0; i < 10; i++) queue.add(String(i), i)
    queue.add('3', 99)
    expect(queue.size).toBe(10)
    expect([...queue.values()]).not.toContain(99)
    expect(queue.delete('3')).toBe(true)
    expect(queue.delete('3')).toBe(false)
    expect(queue.has('3')).toBe(false)
    const taken: number[] = []
    queue.sweep((n) => {
      if (taken.length === 4) return 'stop'
      if (n % 2 === 0) {
        taken.push(n)
        return 'take'
      }
      return 'keep'
    })
    expect(taken).toHaveLength(4)
    expect(taken.every((n) => n % 2 === 0)).toBe(true)
    const rest = [...queue.values()]
    expect(rest).toHaveLength(5)
    expect(rest).toEqual(expect.arrayContaining([1, 5, 7, 9]))
    expect(rest.filter((n) => n % 2 === 0 && !taken.includes(n))).toHaveLength(1)
  })
})

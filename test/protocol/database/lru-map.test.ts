import { describe, expect, it } from 'vitest'
import { LruMap } from '../../../src/protocol/database/lru-map'

describe('LruMap', () => {
  it('drops the least recently read or written entry past its capacity, and says which', () => {
    const evicted: Array<[string, number]> = []
    const map = new LruMap<string, number>(3, (key, value) => evicted.push([key, value]))
    map.set('a', 1)
    map.set('b', 2)
    map.set('c', 3)
    expect(map.get('a')).toBe(1) // a is now the newest
    map.set('d', 4)
    expect(evicted).toEqual([['b', 2]])
    map.set('c', 30) // written: the newest
    map.set('e', 5)
    expect(evicted).toEqual([
      ['b', 2],
      ['a', 1],
    ])
    expect([map.get('c'), map.get('d'), map.get('e'), map.get('a'), map.size]).toEqual([
      30,
      4,
      5,
      undefined,
      3,
    ])
  })

  it('keeps null and undefined apart: a kept null is a value', () => {
    const map = new LruMap<string, number | null>(2)
    map.set('none', null)
    expect(map.get('none')).toBeNull()
    expect(map.get('missing')).toBeUndefined()
  })

  it('takes an entry out without telling eviction', () => {
    const evicted: string[] = []
    const map = new LruMap<string, number>(2, (key) => evicted.push(key))
    map.set('a', 1)
    expect(map.take('a')).toBe(1)
    expect(map.take('a')).toBeUndefined()
    map.set('b', 2)
    map.set('c', 3)
    expect([evicted, map.size]).toEqual([[], 2])
  })
})

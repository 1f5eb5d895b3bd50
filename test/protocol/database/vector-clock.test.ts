import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  before,
  compareClocks,
  EMPTY_CLOCK,
  LogicalClock,
  mergeClocks,
  type ClockOrder,
  type VectorClock,
} from '../../../src/protocol/database/vector-clock'
import { id } from './helpers'

const A = id(0xa)
const B = id(0xb)
const C = id(0xc)

function vc(entries: Record<string, number | bigint>): VectorClock {
  return new Map(Object.entries(entries).map(([k, v]) => [k, BigInt(v)]))
}

describe('before and the comparison (database.md, "Conflicts")', () => {
  const table: Array<[string, VectorClock, VectorClock, ClockOrder]> = [
    ['both empty', EMPTY_CLOCK, EMPTY_CLOCK, 'equal'],
    ['same members', vc({ [A]: 3, [B]: 1 }), vc({ [A]: 3, [B]: 1 }), 'equal'],
    ['an absent member is zero (rule 1)', vc({ [A]: 2, [B]: 0 }), vc({ [A]: 2 }), 'equal'],
    ['incoming behind on one member', vc({ [A]: 1 }), vc({ [A]: 2 }), 'incoming-older'],
    ['current has a member incoming lacks', vc({ [A]: 2 }), vc({ [A]: 2, [B]: 1 }), 'incoming-older'],
    ['incoming ahead on one member', vc({ [A]: 3, [B]: 1 }), vc({ [A]: 2, [B]: 1 }), 'incoming-newer'],
    ['incoming has a new member', vc({ [A]: 2, [C]: 1 }), vc({ [A]: 2 }), 'incoming-newer'],
    ['each ahead on a different member', vc({ [A]: 3, [B]: 1 }), vc({ [A]: 2, [B]: 2 }), 'conflict'],
    ['disjoint members', vc({ [A]: 1 }), vc({ [B]: 1 }), 'conflict'],
    ['64-bit members', vc({ [A]: 2n ** 63n - 1n }), vc({ [A]: 2n ** 63n - 2n }), 'incoming-newer'],
  ]
  it.each(table)('%s', (_name, incoming, current, expected) => {
    expect(compareClocks(incoming, current)).toBe(expected)
    expect(before(incoming, current)).toBe(expected === 'equal' || expected === 'incoming-older')
    expect(before(current, incoming)).toBe(expected === 'equal' || expected === 'incoming-newer')
  })
})

describe('the four rules on the peer logical clock', () => {
  it('rule 1: starts at zero', () => {
    expect(new LogicalClock(A).current).toBe(0n)
  })

  it('rule 2: a local change advances the clock by one and writes it as the record member', () => {
    const clock = new LogicalClock(A, 4n)
    const next = clock.localChange(vc({ [B]: 7 }))
    expect(clock.current).toBe(5n)
    expect(next).toEqual(vc({ [B]: 7, [A]: 5 }))
  })

  it('rule 2: the record member moves forward even when it is ahead of the counter', () => {
    const clock = new LogicalClock(A, 1n)
    expect(clock.localChange(vc({ [A]: 9 })).get(A)).toBe(10n)
    expect(clock.current).toBe(10n)
  })

  it('rule 3: sending advances the clock by one', () => {
    const clock = new LogicalClock(A, 2n)
    clock.send()
    expect(clock.current).toBe(3n)
  })

  it('rule 4: receiving advances the clock by one and takes the member-wise max', () => {
    const clock = new LogicalClock(A, 2n)
    expect(clock.receive(vc({ [B]: 5, [C]: 1 }), vc({ [B]: 3, [C]: 4 }))).toEqual(vc({ [B]: 5, [C]: 4 }))
    expect(clock.current).toBe(3n)
    clock.receive(vc({ [A]: 40 }), EMPTY_CLOCK) // its own member seen elsewhere (a restored peer)
    expect(clock.current).toBe(40n)
  })
})

describe('laws (fast-check)', () => {
  const peers = fc.constantFrom(A, B, C, id(0xd))
  const clock = fc
    .dictionary(peers, fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), { maxKeys: 4 })
    .map((o) => new Map(Object.entries(o)) as VectorClock)
  const params = { seed: Date.now() ^ 0x5eed, verbose: 1 } as const
  const same = (a: VectorClock, b: VectorClock): boolean => compareClocks(a, b) === 'equal'

  it('merge is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(clock, clock, clock, (a, b, c) => {
        expect(same(mergeClocks(a, b), mergeClocks(b, a))).toBe(true)
        expect(same(mergeClocks(mergeClocks(a, b), c), mergeClocks(a, mergeClocks(b, c)))).toBe(true)
        expect(same(mergeClocks(a, a), a)).toBe(true)
      }),
      params,
    )
  })

  it('the merge is the least clock both are before', () => {
    fc.assert(
      fc.property(clock, clock, clock, (a, b, c) => {
        const m = mergeClocks(a, b)
        expect(before(a, m) && before(b, m)).toBe(true)
        if (before(a, c) && before(b, c)) expect(before(m, c)).toBe(true)
      }),
      params,
    )
  })

  it('before is a partial order and the comparison is antisymmetric', () => {
    const mirror: Record<ClockOrder, ClockOrder> = {
      equal: 'equal',
      conflict: 'conflict',
      'incoming-older': 'incoming-newer',
      'incoming-newer': 'incoming-older',
    }
    fc.assert(
      fc.property(clock, clock, clock, (a, b, c) => {
        expect(before(a, a)).toBe(true)
        if (before(a, b) && before(b, c)) expect(before(a, c)).toBe(true)
        expect(compareClocks(b, a)).toBe(mirror[compareClocks(a, b)])
      }),
      params,
    )
  })

  it('a local change on either side of a merge is newer than both', () => {
    fc.assert(
      fc.property(clock, clock, peers, (a, b, self) => {
        const next = new LogicalClock(self).localChange(mergeClocks(a, b))
        expect(compareClocks(next, a)).toBe('incoming-newer')
        expect(compareClocks(next, b)).toBe('incoming-newer')
      }),
      params,
    )
  })
})

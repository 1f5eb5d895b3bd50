import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PresenceFilter, PROBE_EVERYTHING, NOTHING_PRESENT } from '../../../src/protocol/directory/bloom'
import {
  type PieceRequest,
  TransferPlan,
  type TransferPlanOptions,
  type WantedFile,
} from '../../../src/protocol/directory/transfer-plan'
import { seededRandom as seeded } from './seeded-random'

const sha = (label: string): string => createHash('sha256').update(label).digest('hex')
const MiB = 1024 * 1024
const everything = PresenceFilter.fromMessage(1, PROBE_EVERYTHING)
const nothing = PresenceFilter.fromMessage(1, NOTHING_PRESENT)
const HOUR = 3_600_000

const files = (n: number, size = 100): WantedFile[] =>
  Array.from({ length: n }, (_, i) => ({ sha256: sha(`f${i}`), size }))

/**
 * A plan of 4 MiB pieces wanting one file (`label`'s content, 12 MiB unless said) that peer 'a'
 * may have.
 */
function planOfOneFile(
  seed: number,
  label: string,
  options: Partial<TransferPlanOptions> = {},
  size = 12 * MiB,
): { plan: TransferPlan; s: string } {
  const plan = new TransferPlan({ random: seeded(seed), pieceBytes: 4 * MiB, ...options })
  const s = sha(label)
  plan.want([{ sha256: s, size }])
  plan.setPresence('a', everything)
  return { plan, s }
}

describe('TransferPlan (directory.md, "Retrieving Files")', () => {
  it('asks in a random order that differs between peers seeds', () => {
    const wanted = files(50)
    const order = (seed: number): string[] => {
      const plan = new TransferPlan({ random: seeded(seed), maxInFlightPerPeer: 100, maxInFlightTotal: 100 })
      plan.want(wanted)
      plan.setPresence('p', everything)
      return plan.next(0).map((r) => r.sha256)
    }
    const a = order(1)
    expect(new Set(a)).toEqual(new Set(wanted.map((f) => f.sha256)))
    expect(a).not.toEqual(wanted.map((f) => f.sha256))
    expect(order(2)).not.toEqual(a)
    expect(order(1)).toEqual(a)
  })

  it('is random even when wants arrive one at a time, as records do', () => {
    const wanted = files(50)
    const plan = new TransferPlan({ random: seeded(12), maxInFlightPerPeer: 100, maxInFlightTotal: 100 })
    for (const file of wanted) plan.want([file])
    plan.setPresence('p', everything)
    const order = plan.next(0).map((r) => r.sha256)
    expect(new Set(order).size).toBe(50)
    expect(order).not.toEqual(wanted.map((f) => f.sha256))
  })

  it('pipelines up to the per-peer and total limits, across peers', () => {
    const plan = new TransferPlan({ random: seeded(3), maxInFlightPerPeer: 4, maxInFlightTotal: 6 })
    plan.want(files(20))
    plan.setPresence('a', everything)
    plan.setPresence('b', everything)
    const first = plan.next(0)
    expect(first).toHaveLength(6)
    expect(first.filter((r) => r.peer === 'a')).toHaveLength(3)
    expect(plan.next(0)).toEqual([])
    const done = first[0]
    expect(done && plan.received(done.peer, done.sha256, 100, 0)).toBe('done')
    expect(plan.next(0)).toHaveLength(1)
    expect(plan.remaining()).toEqual({ files: 19, bytes: 1900 })
  })

  it('gives a peer no new request while its requests in flight ask for the byte bound', () => {
    const plan = new TransferPlan({
      random: seeded(6),
      pieceBytes: 4 * MiB,
      maxInFlightBytesPerPeer: 10 * MiB,
    })
    plan.want([...files(3, 5 * MiB), ...files(50).map((f) => ({ ...f, sha256: sha(`small ${f.sha256}`) }))])
    plan.setPresence('a', everything)
    const first = plan.next(0)
    const bytes = first.reduce((sum, r) => sum + r.range[1], 0)
    // Requests are given until the bound is reached; the last may pass it by one piece.
    expect(bytes).toBeGreaterThanOrEqual(10 * MiB)
    expect(bytes - first.at(-1)!.range[1]).toBeLessThan(10 * MiB)
    expect(plan.next(0)).toEqual([])
    const done = first.find((r) => r.range[1] === 100) ?? first[0]!
    plan.received('a', done.sha256, done.range[1], 0)
    expect(plan.next(0).length).toBeLessThanOrEqual(1)
  })

  it('splits a large file into pieces, two in flight of one peer, resuming from a partial temp file', () => {
    const plan = new TransferPlan({ random: seeded(4), pieceBytes: 4 * MiB })
    const big = sha('big')
    plan.want([{ sha256: big, size: 14 * MiB, resumeFrom: 3 * MiB }])
    plan.setPresence('a', everything)
    plan.setPresence('b', everything)
    const first = plan.next(0)
    expect(first.map((r) => r.range)).toEqual([
      [3 * MiB, 4 * MiB],
      [7 * MiB, 4 * MiB],
    ])
    // Both of one peer: its answers come in the order asked, so the file is appended to in order.
    expect(new Set(first.map((r) => r.peer)).size).toBe(1)
    const peer = first[0]!.peer
    expect(plan.next(0)).toEqual([])
    expect(plan.answerFor(peer, big, 3 * MiB)).toBe('next')
    expect(plan.received(peer, big, 4 * MiB, 0)).toBe('more')
    expect(plan.next(0)).toEqual([{ peer, sha256: big, range: [11 * MiB, 3 * MiB] }])
    expect(plan.received(peer, big, 4 * MiB, 0)).toBe('more')
    expect(plan.next(0)).toEqual([])
    expect(plan.received(peer, big, 3 * MiB, 0)).toBe('done')
    expect(plan.remaining()).toEqual({ files: 0, bytes: 0 })
  })

  it('asks one piece at a time when piecesInFlightPerFile is 1', () => {
    const plan = new TransferPlan({ random: seeded(4), pieceBytes: 4 * MiB, piecesInFlightPerFile: 1 })
    const big = sha('big')
    plan.want([{ sha256: big, size: 10 * MiB }])
    plan.setPresence('a', everything)
    expect(plan.next(0).map((r) => r.range)).toEqual([[0, 4 * MiB]])
    expect(plan.received('a', big, 4 * MiB, 0)).toBe('more')
    expect(plan.next(0).map((r) => r.range)).toEqual([[4 * MiB, 4 * MiB]])
  })

  it('drops the answer of a piece asked after one that came short, and goes on from where the data stopped', () => {
    const { plan, s } = planOfOneFile(5, 'short', { maxInFlightPerPeer: 2 })
    expect(plan.next(0)).toHaveLength(2)
    expect(plan.received('a', s, 1 * MiB, 0)).toBe('more')
    // The piece at 4 MiB no longer continues the file: its answer, still on its way, is stale. It
    // holds its slot until it comes, so one new request fits beside it.
    expect(plan.answerFor('a', s, 4 * MiB)).toBe('stale')
    expect(plan.next(0)).toEqual([{ peer: 'a', sha256: s, range: [1 * MiB, 4 * MiB] }])
    expect(plan.received('a', s, 4 * MiB, 0, 4 * MiB)).toBe('ignored')
    expect(plan.answerFor('a', s, 1 * MiB)).toBe('next')
    expect(plan.next(0)).toEqual([{ peer: 'a', sha256: s, range: [5 * MiB, 4 * MiB] }])
    expect(plan.received('a', s, 4 * MiB, 0)).toBe('more')
    expect(plan.remaining()).toEqual({ files: 1, bytes: 7 * MiB })
  })

  it('drops the answer of a piece asked after a refused one, without waiting longer for it', () => {
    const { plan, s } = planOfOneFile(15, 'refused')
    expect(plan.next(0)).toHaveLength(2)
    plan.notPresent('a', s, 0)
    expect(plan.nextWakeAt()).toBe(2_000)
    // The second request's answer: not_present again, which answers the stale request only.
    expect(plan.answerFor('a', s)).toBe('stale')
    plan.notPresent('a', s, 0)
    expect(plan.nextWakeAt()).toBe(2_000)
    expect(plan.answerFor('a', s)).toBe('unasked')
    expect(plan.next(2_000).map((r) => r.range)).toEqual([
      [0, 4 * MiB],
      [4 * MiB, 4 * MiB],
    ])
    // A get_error's stale companion sets no back-off of its own either.
    plan.getError('a', s, 2_000)
    plan.getError('a', s, 3_000)
    expect(plan.nextWakeAt()).toBe(2_000 + 6 * HOUR)
  })

  it('asks a peer that answers pieces out of order for one piece at a time', () => {
    // directory.md: "The server may choose to respond to multiple 'get' requests out of order."
    const { plan, s } = planOfOneFile(16, 'unordered')
    expect(plan.next(0)).toHaveLength(2)
    expect(plan.answerFor('a', s, 4 * MiB)).toBe('later')
    plan.outOfOrder('a', s, 4 * MiB)
    // The first piece is still waited for; the dropped one is asked again after it, alone.
    expect(plan.next(0)).toEqual([])
    expect(plan.answerFor('a', s, 0)).toBe('next')
    expect(plan.received('a', s, 4 * MiB, 0, 0)).toBe('more')
    expect(plan.next(0).map((r) => r.range)).toEqual([[4 * MiB, 4 * MiB]])
    expect(plan.received('a', s, 4 * MiB, 0, 4 * MiB)).toBe('more')
    expect(plan.next(0).map((r) => r.range)).toEqual([[8 * MiB, 4 * MiB]])
  })

  it('matches answers to requests by where they start, as a server may answer out of order', () => {
    const { plan, s } = planOfOneFile(18, 'matched')
    plan.next(0)
    expect(plan.received('a', s, 1 * MiB, 0, 0)).toBe('more') // short: [4M, 4M] is stale
    expect(plan.next(0).map((r) => r.range)).toEqual([
      [1 * MiB, 4 * MiB],
      [5 * MiB, 4 * MiB],
    ])
    // The fresh piece answered before the stale one is the piece the file waits for.
    expect(plan.answerFor('a', s, 1 * MiB)).toBe('next')
    expect(plan.answerFor('a', s, 4 * MiB)).toBe('stale')
    expect(plan.answerFor('a', s, 5 * MiB)).toBe('later')
    // A piece already in, answered again, or a start never asked: unexpected.
    expect(plan.answerFor('a', s, 0)).toBe('unexpected')
    expect(plan.answerFor('b', s, 0)).toBe('unasked')
  })

  it('frees the slots of pieces a longer answer brought in, once their answers come', () => {
    const { plan, s: big } = planOfOneFile(20, 'longer', { maxInFlightPerPeer: 2 }, 8 * MiB)
    expect(plan.next(0)).toHaveLength(2)
    expect(plan.received('a', big, 8 * MiB, 0, 0)).toBe('done')
    plan.want([
      { sha256: sha('s1'), size: 10 },
      { sha256: sha('s2'), size: 10 },
    ])
    expect(plan.next(0)).toHaveLength(1)
    expect(plan.answerFor('a', big, 4 * MiB)).toBe('stale')
    plan.staleAnswered('a', big, 4 * MiB)
    expect(plan.next(0)).toHaveLength(1)
  })

  it('matches a refusal, which names no range, to a request once every other is answered', () => {
    const { plan, s } = planOfOneFile(21, 'refusals', { maxInFlightPerPeer: 2, errorBackoffMs: HOUR })
    plan.next(0)
    // Answered out of order: not_present for one of the two (which, it does not say), then data
    // for the first. Both requests are stale from the refusal on, and no one is backed off for hours.
    plan.notPresent('a', s, 0)
    expect(plan.answerFor('a', s, 0)).toBe('stale')
    expect(plan.answerFor('a', s, 4 * MiB)).toBe('stale')
    expect(plan.nextWakeAt()).toBe(2_000)
    plan.want([{ sha256: sha('other'), size: 10 }])
    expect(plan.next(0)).toEqual([]) // both slots still held
    plan.staleAnswered('a', s, 0)
    // The data answered the first request, so the refusal answered the second: both slots are free.
    expect(plan.answerFor('a', s, 4 * MiB)).toBe('unasked')
    expect(plan.next(0).map((r) => r.sha256)).toEqual([sha('other')])
    expect(plan.received('a', sha('other'), 10, 0)).toBe('done')
    expect(plan.next(2_000).map((r) => r.range)).toEqual([
      [0, 4 * MiB],
      [4 * MiB, 4 * MiB],
    ])
    // Data at a start never asked for is a get_error: this peer's copy waits an hour.
    plan.failed('a', s, 3_000, 2 * MiB)
    expect(plan.nextWakeAt()).toBe(3_000 + HOUR)
  })

  it('drops the answers still on their way for a file no longer wanted, and frees their slots then', () => {
    const { plan, s } = planOfOneFile(17, 'dropped', { maxInFlightPerPeer: 2 })
    const other = sha('other')
    expect(plan.next(0)).toHaveLength(2)
    plan.drop(s)
    plan.want([{ sha256: other, size: 10 }])
    expect(plan.next(0)).toEqual([])
    expect(plan.answerFor('a', s, 0)).toBe('stale')
    plan.staleAnswered('a', s)
    expect(plan.next(0).map((r) => r.sha256)).toEqual([other])
    expect(plan.answerFor('a', s, 4 * MiB)).toBe('stale')
    expect(plan.received('a', s, 4 * MiB, 0)).toBe('ignored')
    expect(plan.answerFor('a', s, 4 * MiB)).toBe('unasked')
    expect(plan.answerFor('a', sha('never asked'), 0)).toBe('unasked')
    // A disconnected peer's answers never come: its stale requests go with it.
    plan.want([{ sha256: s, size: 12 * MiB }])
    plan.next(0)
    plan.drop(s)
    plan.removePeer('a')
    plan.setPresence('a', everything)
    expect(plan.answerFor('a', s, 0)).toBe('unasked')
  })

  it('continues after a short response from where the data stopped', () => {
    const plan = new TransferPlan({ random: seeded(5), pieceBytes: 1000 })
    const s = sha('x')
    plan.want([{ sha256: s, size: 1000 }])
    plan.setPresence('a', everything)
    plan.next(0)
    expect(plan.received('a', s, 400, 0)).toBe('more')
    expect(plan.next(0)[0]?.range).toEqual([400, 600])
  })

  it('asks only peers whose presence says they may have it, or who announced it', () => {
    const plan = new TransferPlan({ random: seeded(6) })
    const s = sha('only')
    plan.want([{ sha256: s, size: 10 }])
    plan.setPresence('empty', nothing)
    expect(plan.next(0)).toEqual([])
    plan.present('empty', s)
    expect(plan.next(0).map((r) => r.peer)).toEqual(['empty'])
  })

  it('tries another peer after not_present, and the first again after present', () => {
    const plan = new TransferPlan({ random: seeded(7) })
    const s = sha('np')
    plan.want([{ sha256: s, size: 10 }])
    plan.setPresence('a', everything)
    expect(plan.next(0)[0]?.peer).toBe('a')
    plan.notPresent('a', s)
    expect(plan.next(0)).toEqual([])
    plan.setPresence('b', everything)
    expect(plan.next(0)[0]?.peer).toBe('b')
    plan.notPresent('b', s)
    plan.present('a', s)
    expect(plan.next(0)[0]?.peer).toBe('a')
  })

  it('asks a not_present peer again after a doubling wait, or at once after a new filter', () => {
    const plan = new TransferPlan({ random: seeded(13) })
    const s = sha('later')
    plan.want([{ sha256: s, size: 10 }])
    plan.setPresence('a', everything)
    expect(plan.next(0)).toHaveLength(1)
    plan.notPresent('a', s, 0)
    expect(plan.nextWakeAt()).toBe(2_000)
    expect(plan.next(1_999)).toEqual([])
    expect(plan.next(2_000)).toHaveLength(1)
    plan.notPresent('a', s, 2_000)
    expect(plan.nextWakeAt()).toBe(6_000)
    expect(plan.next(5_999)).toEqual([])
    plan.setPresence('a', everything)
    expect(plan.next(5_999)).toHaveLength(1)
    expect(plan.received('a', s, 10, 6_000)).toBe('done')
    expect(plan.nextWakeAt()).toBeUndefined()
  })

  it('tells the driver when a get_error back-off ends', () => {
    const plan = new TransferPlan({ random: seeded(14), errorBackoffMs: HOUR })
    const s = sha('wake')
    plan.want([{ sha256: s, size: 10 }])
    plan.setPresence('a', everything)
    plan.next(0)
    plan.getError('a', s, 0)
    plan.next(0)
    expect(plan.nextWakeAt()).toBe(HOUR)
    plan.drop(s)
    expect(plan.nextWakeAt()).toBeUndefined()
  })

  it('backs off a (peer, file) for hours after get_error', () => {
    const plan = new TransferPlan({ random: seeded(8), errorBackoffMs: 6 * HOUR })
    const s = sha('err')
    const other = sha('fine')
    plan.want([
      { sha256: s, size: 10 },
      { sha256: other, size: 10 },
    ])
    plan.setPresence('a', everything)
    plan.next(0)
    plan.getError('a', s, 1_000)
    plan.received('a', other, 10, 1_000)
    expect(plan.next(1_000 + 5 * HOUR)).toEqual([])
    expect(plan.next(1_000 + 6 * HOUR)[0]?.sha256).toBe(s)
  })

  it('gives a disconnected peer’s requests to others, and ignores late responses', () => {
    const plan = new TransferPlan({ random: seeded(9) })
    const s = sha('gone')
    plan.want([{ sha256: s, size: 10 }])
    plan.setPresence('a', everything)
    plan.next(0)
    plan.removePeer('a')
    expect(plan.received('a', s, 10, 0)).toBe('ignored')
    plan.setPresence('b', everything)
    expect(plan.next(0)[0]?.peer).toBe('b')
    plan.drop(s)
    expect(plan.received('b', s, 10, 0)).toBe('ignored')
    expect(plan.remaining().files).toBe(0)
  })

  it('asks elsewhere from where the cut-off piece reached, not from the piece start', () => {
    const plan = new TransferPlan({ random: seeded(19), pieceBytes: 16 * MiB })
    const s = sha('cut')
    plan.want([{ sha256: s, size: 20 * MiB }])
    plan.setPresence('a', everything)
    expect(plan.next(0)[0]?.range).toEqual([0, 16 * MiB])
    plan.removePeer('a', () => 9 * MiB)
    expect(plan.remaining()).toEqual({ files: 1, bytes: 11 * MiB })
    plan.setPresence('b', everything)
    expect(plan.next(0)[0]?.range).toEqual([9 * MiB, 11 * MiB])
    // Every byte in, but the response's end cut off: the last byte is asked for again.
    plan.removePeer('b', () => 20 * MiB)
    plan.setPresence('c', everything)
    expect(plan.next(0)[0]?.range).toEqual([20 * MiB - 1, 1])
  })

  it('restarts a corrupt file from zero, elsewhere', () => {
    const plan = new TransferPlan({ random: seeded(10) })
    const s = sha('bad')
    plan.want([{ sha256: s, size: 10 }])
    plan.setPresence('liar', everything)
    plan.next(0)
    expect(plan.received('liar', s, 10, 0)).toBe('done')
    plan.corrupt('liar', s, 10, 0)
    expect(plan.next(0)).toEqual([])
    plan.setPresence('honest', everything)
    expect(plan.next(0)[0]).toEqual({ peer: 'honest', sha256: s, range: [0, 10] })
  })

  it('plans nothing for empty or complete files and refuses bad offsets', () => {
    const plan = new TransferPlan({ random: seeded(11) })
    plan.want([
      { sha256: sha('empty'), size: 0 },
      { sha256: sha('complete'), size: 5, resumeFrom: 5 },
    ])
    expect(plan.remaining().files).toBe(0)
    expect(() => plan.want([{ sha256: sha('x'), size: 5, resumeFrom: 6 }])).toThrow(RangeError)
    expect(() => plan.want([{ sha256: 'nope', size: 5 }])).toThrow(TypeError)
  })
})

describe('TransferPlan.active', () => {
  it('lists the files begun (a request out, or bytes in) and how far each has come', () => {
    const plan = new TransferPlan({
      random: seeded(3),
      pieceBytes: 40,
      maxInFlightPerPeer: 1,
      maxInFlightTotal: 1,
    })
    const [file] = files(1, 100)
    plan.want([file!])
    expect(plan.active()).toEqual([])
    plan.setPresence('p', everything)
    const [request] = plan.next(0)
    expect(plan.active()).toEqual([{ sha256: file!.sha256, size: 100, received: 0 }])
    plan.received('p', request!.sha256, 40, 0)
    expect(plan.active()).toEqual([{ sha256: file!.sha256, size: 100, received: 40 }])
    plan.next(0)
    expect(plan.active()).toEqual([{ sha256: file!.sha256, size: 100, received: 40 }])
  })
})

describe('TransferPlan.remaining', () => {
  const params = { seed: Date.now() ^ 0x5eed, verbose: 1 } as const
  const SIZES = [0, 1, 10, 25, 100]
  const op = fc.oneof(
    fc.record({ kind: fc.constant('want' as const), file: fc.nat(5), resumeFrom: fc.nat(100) }),
    fc.record({ kind: fc.constant('drop' as const), file: fc.nat(5) }),
    fc.record({ kind: fc.constant('next' as const) }),
    fc.record({
      kind: fc.constant('received' as const),
      nth: fc.nat(10),
      length: fc.integer({ min: -1, max: 40 }),
    }),
    fc.record({ kind: fc.constant('notPresent' as const), nth: fc.nat(10) }),
    fc.record({ kind: fc.constant('removePeer' as const), peer: fc.constantFrom('a', 'b') }),
  )

  it('counts the files and bytes still to come, kept as they change', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const plan = new TransferPlan({
          random: seeded(1),
          pieceBytes: 10,
          maxInFlightPerPeer: 2,
          maxInFlightTotal: 3,
        })
        plan.setPresence('a', everything)
        plan.setPresence('b', everything)
        // The model: offset of each planned file, by index.
        const planned = new Map<number, number>()
        const size = (i: number): number => SIZES[i % SIZES.length]!
        let sent: PieceRequest[] = []
        for (const o of ops) {
          if (o.kind === 'want') {
            const resumeFrom = Math.min(o.resumeFrom, size(o.file))
            if (!planned.has(o.file) && resumeFrom < size(o.file)) planned.set(o.file, resumeFrom)
            plan.want([{ sha256: sha(`f${o.file}`), size: size(o.file), resumeFrom }])
          } else if (o.kind === 'drop') {
            planned.delete(o.file)
            plan.drop(sha(`f${o.file}`))
          } else if (o.kind === 'next') {
            sent = [...sent, ...plan.next(0)]
          } else if (o.kind === 'removePeer') {
            plan.removePeer(o.peer)
            plan.setPresence(o.peer, everything)
          } else {
            const request = sent[o.nth % Math.max(1, sent.length)]
            if (!request) continue
            const file = [...planned.keys()].find((i) => sha(`f${i}`) === request.sha256)
            if (o.kind === 'notPresent') {
              plan.notPresent(request.peer, request.sha256, 0)
              continue
            }
            // As the fetcher does: an answer says where it starts, and only the one the file waits
            // for is taken; it may bring in bytes the file already has (after a longer answer).
            const start = request.range[0]
            const order = plan.answerFor(request.peer, request.sha256, start)
            if (order === 'stale') plan.staleAnswered(request.peer, request.sha256, start)
            if (order !== 'next') continue
            const outcome = plan.received(request.peer, request.sha256, o.length, 0, start)
            if (outcome === 'ignored' || file === undefined || o.length <= 0) continue
            const offset = Math.max(planned.get(file)!, Math.min(size(file), start + o.length))
            if (outcome === 'done') {
              planned.delete(file)
              if (o.length % 2 === 0) {
                plan.corrupt(request.peer, request.sha256, size(file), 0)
                planned.set(file, 0)
              }
            } else planned.set(file, offset)
          }
          const bytes = [...planned].reduce((sum, [i, offset]) => sum + size(i) - offset, 0)
          expect(plan.remaining()).toEqual({ files: planned.size, bytes })
        }
      }),
      params,
    )
  })
})

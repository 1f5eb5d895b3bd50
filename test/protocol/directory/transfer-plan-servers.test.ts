/**
 * TransferPlan against servers that answer as the draft allows (directory.md, "Retrieving Files":
 * pipelined requests, answered in order or not, whole or short, or with not_present), with peers
 * going away and files dropped and wanted again. A model of Fetcher.data drives it over a model
 * temporary file. Checked for every seed: no answer is taken as 'unexpected' and none leaves a gap
 * (either would back a correct peer off for hours), every file completes with its temporary file
 * whole, every peer's requests and bytes in flight return to 0, and remaining() ends at 0.
 * TRACE=<seed> prints that seed's run.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { PresenceFilter, PROBE_EVERYTHING } from '../../../src/protocol/directory/bloom'
import { TransferPlan, type PieceRequest } from '../../../src/protocol/directory/transfer-plan'
import { seededRandom as seeded } from './seeded-random'

const sha = (label: string): string => createHash('sha256').update(label).digest('hex')
const everything = PresenceFilter.fromMessage(1, PROBE_EVERYTHING)

interface Sim {
  violations: string[]
  done: Set<string>
}

/** Mirrors Fetcher.data's handling of a directory.data answer, over a model temporary file. */
function simulate(
  seed: number,
  opts: { outOfOrder: boolean; short: boolean; notPresent: boolean; removes: boolean; drops?: boolean },
): Sim {
  const rnd = seeded(seed)
  const plan = new TransferPlan({
    random: seeded(seed + 1),
    pieceBytes: 10,
    piecesInFlightPerFile: 2,
    maxInFlightPerPeer: 4,
  })
  const sizes = new Map<string, number>()
  const temp = new Map<string, number>()
  for (let i = 0; i < 3; i++) {
    const s = sha(`f${i}`)
    sizes.set(s, 25 + 13 * i)
    temp.set(s, 0)
  }
  plan.want([...sizes].map(([sha256, size]) => ({ sha256, size })))
  const peers = ['a', 'b']
  for (const p of peers) plan.setPresence(p, everything)
  const outstanding = new Map<string, PieceRequest[]>(peers.map((p) => [p, []]))
  const violations: string[] = []
  const done = new Set<string>()
  const dropped = new Set<string>()
  let now = 0
  const send = (): void => {
    for (const r of plan.next(now)) {
      log(`get ${r.peer} ${r.sha256.slice(0, 4)} ${r.range}`)
      outstanding.get(r.peer)!.push(r)
    }
  }
  const fail = (what: string): void => void violations.push(what)
  const log = (t: string): void => {
    if (process.env.TRACE === String(seed)) console.log(t)
  }
  send()
  for (let step = 0; step < 400; step++) {
    const withWork = peers.filter((p) => outstanding.get(p)!.length > 0)
    if (withWork.length === 0) {
      const wake = plan.nextWakeAt()
      if (wake === undefined && dropped.size > 0) {
        for (const f of dropped) plan.want([{ sha256: f, size: sizes.get(f)!, resumeFrom: temp.get(f)! }])
        dropped.clear()
        send()
        continue
      }
      if (wake === undefined) break
      now = wake
      send()
      continue
    }
    const peer = withWork[Math.floor(rnd() * withWork.length)]!
    const queue = outstanding.get(peer)!
    if (opts.drops && rnd() < 0.05) {
      const all = [...sizes.keys()].filter((f) => !done.has(f))
      const f = all[Math.floor(rnd() * all.length)]
      if (f !== undefined) {
        if (dropped.has(f)) {
          dropped.delete(f)
          log(`rewant ${f.slice(0, 4)} at ${temp.get(f)}`)
          plan.want([{ sha256: f, size: sizes.get(f)!, resumeFrom: temp.get(f)! }])
        } else {
          dropped.add(f)
          log(`drop ${f.slice(0, 4)}`)
          plan.drop(f)
        }
        send()
        continue
      }
    }
    if (opts.removes && rnd() < 0.03) {
      log(`remove ${peer}`)
      plan.removePeer(peer, (s) => temp.get(s))
      queue.length = 0
      plan.setPresence(peer, everything)
      send()
      continue
    }
    const at = opts.outOfOrder ? Math.floor(rnd() * queue.length) : 0
    const [req] = queue.splice(at, 1)
    const r = req!
    const size = sizes.get(r.sha256)!
    if (opts.notPresent && rnd() < 0.1) {
      log(`not_present ${peer} ${r.sha256.slice(0, 4)} ${r.range}`)
      plan.notPresent(peer, r.sha256, now)
      send()
      continue
    }
    const start = r.range[0]
    log(
      `answer ${peer} ${r.sha256.slice(0, 4)} ${r.range} queue ${JSON.stringify(queue.map((q) => [q.sha256.slice(0, 4), q.range]))}`,
    )
    const length = opts.short && rnd() < 0.3 ? 1 + Math.floor(rnd() * r.range[1]) : r.range[1]
    const order = plan.answerFor(peer, r.sha256, start)
    const wanted = !done.has(r.sha256) && !dropped.has(r.sha256)
    if (order !== 'next' || !wanted) {
      if (order === 'stale') plan.staleAnswered(peer, r.sha256, start)
      if (order === 'later') plan.outOfOrder(peer, r.sha256, start)
      if (order === 'unexpected') {
        fail(`unexpected ${peer} ${start}`)
        plan.failed(peer, r.sha256, 0, start)
      }
      if (order === 'next' && !wanted) {
        plan.drop(r.sha256)
        plan.staleAnswered(peer, r.sha256, start)
      }
      send()
      continue
    }
    const t = temp.get(r.sha256)!
    if (start > t) {
      fail(`gap ${peer} ${start} > ${t}`)
      plan.failed(peer, r.sha256, 0, start)
      send()
      continue
    }
    temp.set(r.sha256, Math.max(t, start + length))
    const outcome = plan.received(peer, r.sha256, length, 0, start)
    if (outcome === 'done') {
      if (temp.get(r.sha256) !== size) fail(`done at ${temp.get(r.sha256)} of ${size}`)
      done.add(r.sha256)
    }
    send()
  }
  const state = (plan as unknown as { peers: Map<string, { inFlight: number; inFlightBytes: number }> }).peers
  for (const [p, s] of state)
    if (s.inFlight !== 0 || s.inFlightBytes !== 0) fail(`${p} inFlight ${s.inFlight}/${s.inFlightBytes}`)
  if (done.size !== sizes.size)
    fail(`done ${done.size} of ${sizes.size}; remaining ${JSON.stringify(plan.remaining())}`)
  if (plan.remaining().files !== 0 || plan.remaining().bytes !== 0)
    fail(`remaining ${JSON.stringify(plan.remaining())}`)
  return { violations, done }
}

describe('TransferPlan under draft-conforming servers (model of Fetcher.data)', () => {
  for (const opts of [
    { outOfOrder: false, short: false, notPresent: false, removes: false },
    { outOfOrder: true, short: false, notPresent: false, removes: false },
    { outOfOrder: false, short: true, notPresent: false, removes: false },
    { outOfOrder: true, short: true, notPresent: false, removes: false },
    { outOfOrder: true, short: true, notPresent: true, removes: false },
    { outOfOrder: true, short: true, notPresent: true, removes: true },
    { outOfOrder: false, short: true, notPresent: true, removes: true },
    { outOfOrder: true, short: false, notPresent: true, removes: false },
    { outOfOrder: true, short: true, notPresent: false, removes: true },
    { outOfOrder: true, short: false, notPresent: false, removes: true },
    { outOfOrder: false, short: true, notPresent: false, removes: true, drops: true },
    { outOfOrder: true, short: true, notPresent: false, removes: true, drops: true },
  ]) {
    it(`settles everything and backs off no one: ${JSON.stringify(opts)}`, () => {
      const bad: string[] = []
      for (let seed = 1; seed < 400; seed++) {
        const { violations } = simulate(seed, opts)
        if (violations.length > 0) bad.push(`${seed}: ${violations.join('; ')}`)
      }
      expect(bad.slice(0, 5)).toEqual([])
    })
  }
})

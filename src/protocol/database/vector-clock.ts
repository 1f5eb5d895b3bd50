/**
 * Vector clocks (database.md, "Conflicts"): one 64-bit counter per peer ID, used to tell a record
 * that descends from another from one changed concurrently.
 *
 * The draft's four rules speak of "its logical clock": the peer's own counter, one per peer and
 * club (`LogicalClock`). A record's `vector_clock` takes the peer's counter as its own member only
 * on a local change (rule 2); on receipt it becomes the member-wise max (rule 4). Sending and
 * receiving advance the peer's counter but never rewrite a record's clock, so a record sent twice
 * (or relayed verbatim under a read-write signature) stays one version and is not mistaken for a
 * concurrent one. See docs/protocol-notes/database.md, "Which logical clock the rules update".
 */
import type { PeerId } from './ids'

export type VectorClock = ReadonlyMap<PeerId, bigint>

/** Rule 1: "At first all values are zero." A member that is absent is zero. */
export const EMPTY_CLOCK: VectorClock = new Map()

export function clockMember(clock: VectorClock, peer: PeerId): bigint {
  return clock.get(peer) ?? 0n
}

/**
 * `a.before(b)`: every member of `a` is at most the same member of `b`, so `b` has seen
 * everything `a` has. Both `a.before(b)` and `b.before(a)` means the clocks are equal.
 */
export function before(a: VectorClock, b: VectorClock): boolean {
  for (const [peer, value] of a) if (value > clockMember(b, peer)) return false
  return true
}

/** The four outcomes the draft lists, seen from the receiver of `incoming`. */
export type ClockOrder = 'equal' | 'incoming-older' | 'incoming-newer' | 'conflict'

export function compareClocks(incoming: VectorClock, current: VectorClock): ClockOrder {
  const incomingBefore = before(incoming, current)
  const currentBefore = before(current, incoming)
  if (incomingBefore && currentBefore) return 'equal' // "the records are equal ... can be discarded"
  if (incomingBefore) return 'incoming-older' // "the local record descends from it"
  if (currentBefore) return 'incoming-newer' // "the incoming record replaces the existing record"
  return 'conflict' // "neither condition is true"
}

/** "updates each member to be the max of the current vector and incoming vector" */
export function mergeClocks(a: VectorClock, b: VectorClock): VectorClock {
  const merged = new Map(a)
  for (const [peer, value] of b) if (value > clockMember(merged, peer)) merged.set(peer, value)
  return merged
}

/** The peer's own logical clock: a counter advanced by the draft's rules 1 to 4. */
export class LogicalClock {
  constructor(
    private readonly self: PeerId,
    private value = 0n, // rule 1
  ) {}

  get current(): bigint {
    return this.value
  }

  /**
   * Rule 2: "When a peer has a local change event, it updates its logical clock by one." The
   * changed record carries the new value as its own member; it is raised past the record's
   * member first, so a record whose member came from a restored backup still moves forward.
   */
  localChange(recordClock: VectorClock): VectorClock {
    const start =
      clockMember(recordClock, this.self) > this.value ? clockMember(recordClock, this.self) : this.value
    this.value = start + 1n
    return new Map(recordClock).set(this.self, this.value)
  }

  /** Rule 3: "As part of sending a record to another peer, it updates its logical clock by one." */
  send(): void {
    this.value += 1n
  }

  /**
   * Rule 4: "When a peer receives a record, it updates its logical clock by one and then updates
   * each member to be the max of the current vector and incoming vector." Returns that max; the
   * caller keeps it only where the comparison says the record is replaced or in conflict.
   */
  receive(incoming: VectorClock, current: VectorClock): VectorClock {
    this.value += 1n
    const seen = clockMember(incoming, this.self)
    if (seen > this.value) this.value = seen
    return mergeClocks(current, incoming)
  }
}

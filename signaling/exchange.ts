/**
 * Where registrations live and how news about an ID travels between the instances serving it.
 * The hub (local connections) talks only to this interface; memory-exchange.ts keeps everything
 * in this process, redis-exchange.ts shares it between instances. Both deliver every event
 * through `onEvent`, including the instance's own, so one code path serves both.
 */
import type { WireBody } from '../src/protocol/wire/message'

/** One peer registered under one ID, owned by one connection of one instance. */
export interface Registration {
  id: string
  peerId: string
  /** The owning connection (instance and connection ids); the latest claim for (id, peerId) wins. */
  owner: string
  addresses: string[]
  /** Wall-clock milliseconds after which readers treat it as gone (a crashed instance's leftovers). */
  expiresAtMs: number
}

export type ExchangeEvent =
  /** Registrations under the ID changed: members refetch and resend their peer lists. */
  | { kind: 'changed' }
  /** A relayed signal (the relay message's wire object) for the peer `to` of the ID. */
  | { kind: 'signal'; to: string; message: WireBody }

export type ExchangeListener = (id: string, event: ExchangeEvent) => void

export interface Exchange {
  /** Stores the registration, replacing any other owner's of the same (id, peerId). */
  claim(reg: Registration): Promise<void>
  /**
   * Rewrites the registration (a later expiry) if its owner still owns it, and recreates it if it
   * is gone (a restarted Redis); never takes it from another owner. True if it was recreated.
   */
  refresh(reg: Registration): Promise<boolean>
  /** Removes the registration, only if `owner` still owns it. */
  release(id: string, peerId: string, owner: string): Promise<void>
  /** The live registrations under the ID. */
  list(id: string, nowMs: number): Promise<Registration[]>
  publish(id: string, event: ExchangeEvent): Promise<void>
  /** Starts (or stops) delivering the ID's events to this instance's listener. */
  watch(id: string): Promise<void>
  unwatch(id: string): Promise<void>
  close(): Promise<void>
}

/** The default exchange: one process, plain maps, events delivered on the next microtask. */
import type { Exchange, ExchangeEvent, ExchangeListener, Registration } from './exchange'

export class MemoryExchange implements Exchange {
  private readonly byId = new Map<string, Map<string, Registration>>()

  constructor(private readonly onEvent: ExchangeListener) {}

  async claim(reg: Registration): Promise<void> {
    let peers = this.byId.get(reg.id)
    if (!peers) this.byId.set(reg.id, (peers = new Map()))
    peers.set(reg.peerId, reg)
  }

  async refresh(reg: Registration): Promise<boolean> {
    const current = this.byId.get(reg.id)?.get(reg.peerId)
    if (current && current.owner !== reg.owner) return false
    await this.claim(reg)
    return current === undefined
  }

  async release(id: string, peerId: string, owner: string): Promise<void> {
    const peers = this.byId.get(id)
    if (peers?.get(peerId)?.owner !== owner) return
    peers.delete(peerId)
    if (peers.size === 0) this.byId.delete(id)
  }

  async list(id: string, nowMs: number): Promise<Registration[]> {
    return [...(this.byId.get(id)?.values() ?? [])].filter((reg) => reg.expiresAtMs > nowMs)
  }

  async publish(id: string, event: ExchangeEvent): Promise<void> {
    queueMicrotask(() => this.onEvent(id, event))
  }

  // One process: every event is already ours, so there is nothing to subscribe to.
  async watch(): Promise<void> {}
  async unwatch(): Promise<void> {}
  async close(): Promise<void> {}
}

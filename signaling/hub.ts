/**
 * The instance's local side of the tracker: which of its connections are registered under which
 * ID, and turning exchange events into messages for them. Changes to an ID are announced through
 * the exchange; every instance with members under that ID then refetches the list and sends each
 * of its members a fresh tracker.peers (core.md: "Subsequent messages about the same club are
 * meant to replace all earlier information about that club").
 */
import type { WireBody } from '../src/protocol/wire/message'
import { BRIDGE_SCHEME } from '../src/protocol/bridge/messages'
import { toWire } from '../src/protocol/tracker/messages'
import type { Exchange, ExchangeEvent, Registration } from './exchange'
import type { Logger } from './log'

/** A local connection as the hub sees it (the session implements it). */
export interface Member {
  /** Instance and connection id: what the exchange records as a registration's owner. */
  readonly owner: string
  /** Whether it activated the signal-relay extension, so it may receive signals. */
  readonly signaling: boolean
  send(message: WireBody): void
  /** Another connection registered the same peer ID under `id` and took it over. */
  evicted(id: string): void
}

/** A registration as a member asks for it; the hub adds the member as its owner. */
export type Claim = Omit<Registration, 'owner'>

export class Hub {
  private readonly members = new Map<string, Map<string, Member>>()
  private readonly staleIds = new Set<string>()
  private refreshScheduled = false

  constructor(
    private readonly exchange: Exchange,
    private readonly maxPeersPerList: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The exchange's listener: bind it when constructing the exchange. */
  readonly onEvent = (id: string, event: ExchangeEvent): void => {
    const local = this.members.get(id)
    if (!local) return
    if (event.kind === 'signal') {
      const target = local.get(event.to)
      if (target?.signaling) target.send(event.message)
      return
    }
    // Several changes in one turn of the event loop (a burst of joins) cost one refetch.
    this.staleIds.add(id)
    if (this.refreshScheduled) return
    this.refreshScheduled = true
    setImmediate(() => {
      this.refreshScheduled = false
      const ids = [...this.staleIds]
      this.staleIds.clear()
      for (const staleId of ids)
        this.sendPeers(staleId).catch((err: unknown) =>
          this.log.warn('peer list refresh failed', { id: staleId, err: String(err) }),
        )
    })
  }

  async join(member: Member, claim: Claim): Promise<void> {
    const { id, peerId } = claim
    let local = this.members.get(id)
    if (!local) {
      this.members.set(id, (local = new Map()))
      await this.exchange.watch(id)
    }
    const previous = local.get(peerId)
    if (previous && previous !== member) previous.evicted(id)
    local.set(peerId, member)
    await this.exchange.claim({ ...claim, owner: member.owner })
    await this.exchange.publish(id, { kind: 'changed' })
  }

  async leave(member: Member, id: string, peerId: string): Promise<void> {
    const local = this.members.get(id)
    if (local?.get(peerId) === member) {
      local.delete(peerId)
      if (local.size === 0) {
        this.members.delete(id)
        await this.exchange.unwatch(id)
      }
    }
    await this.exchange.release(id, peerId, member.owner)
    await this.exchange.publish(id, { kind: 'changed' })
  }

  /** Keeps the registration alive; if the exchange had lost it, it is back and the others hear so. */
  async refresh(member: Member, claim: Claim): Promise<void> {
    const recreated = await this.exchange.refresh({ ...claim, owner: member.owner })
    if (recreated) await this.exchange.publish(claim.id, { kind: 'changed' })
  }

  relay(id: string, to: string, message: WireBody): Promise<void> {
    return this.exchange.publish(id, { kind: 'signal', to, message })
  }

  /** Sends every local member of `id` the current list of the others. */
  private async sendPeers(id: string): Promise<void> {
    const registrations = await this.exchange.list(id, this.now())
    const local = this.members.get(id)
    if (!local) return
    const owners = new Map(registrations.map((reg) => [reg.peerId, reg.owner]))
    // Bridges first, so a list cut to maxPeersPerList keeps them: every browser registers
    // BRIDGE_ID to find one (docs/protocol-notes/tracker.md), and may outnumber the cut.
    const isBridge = (reg: Registration): boolean => reg.addresses.some((a) => a.startsWith(BRIDGE_SCHEME))
    const ordered = [...registrations.filter(isBridge), ...registrations.filter((reg) => !isBridge(reg))]
    for (const [peerId, member] of local) {
      const owner = owners.get(peerId)
      if (owner !== undefined && owner !== member.owner) {
        local.delete(peerId)
        member.evicted(id)
        continue
      }
      const peers = new Map<string, string[]>()
      for (const reg of ordered) {
        if (peers.size >= this.maxPeersPerList) break
        if (reg.peerId !== peerId) peers.set(reg.peerId, reg.addresses)
      }
      member.send(toWire({ type: 'tracker.peers', id, peers }))
    }
    if (local.size === 0) {
      this.members.delete(id)
      await this.exchange.unwatch(id)
    }
  }
}

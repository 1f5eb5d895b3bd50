/**
 * One share (core.md: a club) on this device: its database and its directory extension, and the
 * links to its peers. A link's messages are routed here: `database.*` to the database, whose
 * stored records the directory then materializes; `directory.*` to the directory extension.
 */
import type { Database } from '../protocol/database/database'
import type { DirectoryShare } from '../protocol/directory/directory-share'
import type { ReceivedMessage, WireBody } from '../protocol/wire'
import type { LinkHandler, LinkSender } from './link'

/** Database messages waiting for their outcome before the link stops reading more. */
const MAX_PENDING_DATABASE_MESSAGES = 1_000

export interface ShareLinks {
  readonly database: Database
  readonly directory: DirectoryShare
  readonly log: (message: string) => void
  /** A link opened or closed. */
  readonly changed?: () => void
}

export interface OpenLink {
  readonly sender: LinkSender
  readonly openedAt: number
}

export class ShareConnections {
  private readonly open = new Map<string, OpenLink>()

  constructor(private readonly share: ShareLinks) {}

  get links(): ReadonlyMap<string, OpenLink> {
    return this.open
  }

  /** Closes every link (pause, removal). */
  closeAll(reason: string): void {
    for (const { sender } of [...this.open.values()]) sender.close(reason)
  }

  /** Whether a link to this peer is open. */
  hasPeer(peerId: string): boolean {
    for (const { sender } of this.open.values()) if (sender.remote.peerId === peerId) return true
    return false
  }

  /**
   * Attaches a freshly opened link to the database and the directory extension. When two peers
   * dial each other at once, both keep the link opened by the smaller peer ID (the same choice on
   * both sides), and the other closes. When one peer opened both, the newer stays: it dialled
   * again because the older looks gone to it (a cut the other side has not noticed yet), and
   * keeping the older would leave both without a link until the next redial.
   */
  attach(sender: LinkSender): LinkHandler {
    const { database, directory, log } = this.share
    for (const other of this.open.values()) {
      if (other.sender.remote.peerId !== sender.remote.peerId) continue
      const keepNew = sender.initiator <= other.sender.initiator
      ;(keepNew ? other.sender : sender).close('a second connection to the same peer')
      if (!keepNew) return { receive: async () => undefined, closed: () => undefined }
    }
    this.open.set(sender.id, { sender, openedAt: Date.now() })
    database.attach(sender.id, {
      access: sender.access,
      send: (message) =>
        message.kind === 'm'
          ? sender.send(message.body as WireBody)
          : sender.sendSigned(message.signed.bytes, message.signed.signature),
    })
    const link = { id: sender.id, send: sender.send, close: sender.close }
    directory.attach(link)
    // Fails only when the store does (the engine closing under it): said, not thrown into the void.
    database
      .requestUpdates(sender.id)
      .catch((err: unknown) => log(`asking for updates failed: ${(err as Error).message}`))
    this.share.changed?.()

    // Database messages are handed over without waiting for each to be stored, so a burst of
    // updates is written in a few transactions; their outcomes are applied to the folder in order.
    let outcomes: Promise<void> = Promise.resolve()
    let pending = 0
    return {
      receive: async (message: ReceivedMessage) => {
        if (message.type.startsWith('database.')) {
          const signed =
            message.signature === null
              ? undefined
              : { bytes: message.bodyBytes, signature: message.signature }
          const outcome = database.receive(
            sender.id,
            signed ? { body: message.body, signed } : { body: message.body },
          )
          // Handled now: it may fail (the store closing) before the chain below comes to it.
          outcome.catch(() => undefined)
          pending++
          outcomes = outcomes
            .then(() => outcome)
            .then(async (result) => {
              if (result.result === 'stored' || result.result === 'conflict')
                await directory.recordStored(result.record)
              else if (result.result === 'rejected')
                log(`update refused from ${sender.remote.peerId}: ${result.error.message}`)
            })
            .catch((err: unknown) => log(`applying an update failed: ${(err as Error).message}`))
            .finally(() => void pending--)
          if (pending >= MAX_PENDING_DATABASE_MESSAGES) await outcomes
          return
        }
        if (message.type.startsWith('directory.'))
          await directory.receive(link, message.body, message.payload)
      },
      closed: () => {
        this.open.delete(sender.id)
        database.detach(sender.id)
        directory.detach(sender.id)
        this.share.changed?.()
      },
    }
  }
}

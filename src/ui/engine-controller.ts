/**
 * Brings the engine's state to an element: the snapshots the engine worker sends (shares, codes,
 * joins, progress) and the signaling connection's status. The element re-renders on each; it never
 * calls the engine itself (user intent goes up as events).
 */
import { proxy } from 'comlink'
import type { ReactiveController, ReactiveControllerHost } from 'lit'
import type { EngineClient } from '../app/engine-client'
import type { AppSnapshot } from '../platform/browser/engine-host'
import type { PeerManagerStatus } from '../net/peer-manager'

export class EngineController implements ReactiveController {
  snapshot: AppSnapshot | undefined
  signaling: PeerManagerStatus | undefined
  private client: EngineClient | undefined
  private readonly listeners = new Set<(snapshot: AppSnapshot) => void>()

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this)
  }

  /** The engine started: from now on its snapshots drive the host element. */
  attach(client: EngineClient): void {
    this.client = client
    void client.host.subscribe(
      proxy((snapshot: AppSnapshot) => {
        this.snapshot = snapshot
        for (const listener of this.listeners) listener(snapshot)
        this.host.requestUpdate()
      }),
    )
    client.peers.onStatus((status) => {
      this.signaling = status
      this.host.requestUpdate()
    })
  }

  get attached(): boolean {
    return this.client !== undefined
  }

  /** Also called on every snapshot (a view that loads more, such as a file list, follows the engine). */
  onSnapshot(listener: (snapshot: AppSnapshot) => void): void {
    this.listeners.add(listener)
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.listeners.clear()
  }
}

import { LitElement, css, html, nothing } from 'lit'
import type { PeerManagerStatus } from '../net/peer-manager'
import { shared } from './styles'

/**
 * Whether this device can find its peers: the signaling connection as a word in the header, and
 * when it is down, what happened and what to do.
 */
export class CsSignalStatus extends LitElement {
  static override properties = { status: { attribute: false } }

  status: PeerManagerStatus | undefined

  static override styles = [
    shared,
    css`
      :host {
        display: inline-flex;
        align-items: center;
        gap: 0.4rem;
        font-size: 0.9rem;
      }
      .dot {
        background: #ffd36b;
      }
      .dot.online {
        background: #7ee2a0;
      }
      .dot.offline {
        background: #ff9b93;
      }
    `,
  ]

  override render() {
    const state = this.status?.signaling ?? 'connecting'
    const label = state === 'online' ? 'Online' : state === 'offline' ? 'Offline' : 'Connecting…'
    return html`<span class="dot ${state}" aria-hidden="true"></span>
      <span title=${state === 'offline' ? this.explanation() : ''}>${label}</span>
      ${state === 'offline' ? html`<span class="visually-hidden" role="status">${this.explanation()}</span>` : nothing}`
  }

  private explanation(): string {
    return `Cannot reach the signaling server (${this.status?.error ?? 'no answer'}). Your files stay here and sync again once it is reachable: check your internet connection, or the server address in Settings.`
  }
}

customElements.define('cs-signal-status', CsSignalStatus)

declare global {
  interface HTMLElementTagNameMap {
    'cs-signal-status': CsSignalStatus
  }
}

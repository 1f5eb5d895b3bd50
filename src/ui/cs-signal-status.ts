import { LitElement, css, html } from 'lit'
import type { PeerManagerStatus } from '../net/peer-manager'
import { badge, shared } from './styles'

/** Whether this device can find its peers: the signaling connection as a word in the header. */
export class CsSignalStatus extends LitElement {
  static override properties = { status: { attribute: false } }

  status: PeerManagerStatus | undefined

  static override styles = [
    shared,
    badge,
    css`
      /* On a phone the header is tight: the word gives way (ellipsis) before the Settings button. */
      :host {
        min-width: 0;
      }
      .label {
        overflow: hidden;
        text-overflow: ellipsis;
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
    return html`<span class="dot ${state}" aria-hidden="true"></span><span class="label">${label}</span>`
  }
}

customElements.define('cs-signal-status', CsSignalStatus)

declare global {
  interface HTMLElementTagNameMap {
    'cs-signal-status': CsSignalStatus
  }
}

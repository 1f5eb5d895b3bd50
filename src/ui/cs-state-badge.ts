import { LitElement, css, html } from 'lit'
import type { ShareState } from '../engine/live-share'
import { badge, shared } from './styles'

const LABELS: Record<ShareState, string> = {
  scanning: 'Checking files',
  syncing: 'Syncing',
  synced: 'Up to date',
  paused: 'Paused',
  error: 'Problem',
}

/** A share's state as a word with a coloured dot (the word carries it; the colour only helps). */
export class CsStateBadge extends LitElement {
  static override properties = { state: {} }

  state: ShareState = 'synced'

  static override styles = [
    shared,
    badge,
    css`
      :host {
        font-weight: 600;
      }
      .dot {
        background: var(--cs-muted);
      }
      :host([data-state='synced']) .dot {
        background: var(--cs-ok);
      }
      :host([data-state='syncing']) .dot,
      :host([data-state='scanning']) .dot {
        background: var(--cs-accent);
      }
      :host([data-state='error']) .dot {
        background: var(--cs-danger);
      }
    `,
  ]

  override updated(): void {
    this.dataset.state = this.state
  }

  override render() {
    return html`<span class="dot" aria-hidden="true"></span>${LABELS[this.state]}`
  }
}

customElements.define('cs-state-badge', CsStateBadge)

declare global {
  interface HTMLElementTagNameMap {
    'cs-state-badge': CsStateBadge
  }
}

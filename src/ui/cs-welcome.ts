import { LitElement, css, html } from 'lit'
import { emit } from './events'
import { shared } from './styles'

/**
 * The first run: one sentence about what ClearSkies does, then the two ways in.
 *
 * @fires cs-show-create - the person wants to share a folder or files
 * @fires cs-show-join - the person has a code or link from someone else
 */
export class CsWelcome extends LitElement {
  static override styles = [
    shared,
    css`
      .lead {
        font-size: 1.15rem;
        max-width: 36rem;
        margin-bottom: 1.5rem;
      }
      .choices {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr));
        gap: 1rem;
      }
      .card {
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
      }
      .card p {
        flex: 1;
        color: var(--cs-muted);
      }
    `,
  ]

  override render() {
    return html`
      <h2>Welcome to ClearSkies</h2>
      <p class="lead">
        ClearSkies keeps a folder in sync between your devices and your friends' devices, sending files
        directly from browser to browser with no cloud in between.
      </p>
      <div class="choices">
        <section class="card" aria-labelledby="create-title">
          <h3 id="create-title">Share something</h3>
          <p>
            Pick a folder on this device, or keep files in the browser and add them by dragging them in. You
            then get a code or link to send.
          </p>
          <button class="primary" @click=${() => emit(this, 'cs-show-create')}>Create a share</button>
        </section>
        <section class="card" aria-labelledby="join-title">
          <h3 id="join-title">Join a share</h3>
          <p>
            Someone sent you a link or an access code that starts with SYNC. Paste it here to receive their
            files.
          </p>
          <button @click=${() => emit(this, 'cs-show-join')}>Join with a code</button>
        </section>
      </div>
    `
  }
}

customElements.define('cs-welcome', CsWelcome)

declare global {
  interface HTMLElementTagNameMap {
    'cs-welcome': CsWelcome
  }
}

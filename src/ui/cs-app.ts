import { LitElement, css, html, nothing } from 'lit'
import type { EngineClient } from '../app/engine-client'

/**
 * The application shell: the header, the one-sentence introduction, and the update prompt.
 * The share list and the flows (create, join) arrive with the browser peer.
 */
export class CsApp extends LitElement {
  static override properties = {
    status: { state: true },
    updateAvailable: { state: true },
  }

  status = ''
  updateAvailable = false
  private applyUpdate: (() => void) | undefined
  private client: EngineClient | undefined

  static override styles = css`
    :host {
      display: block;
      min-height: 100vh;
      --accent: #1f78d1;
    }
    header {
      display: flex;
      align-items: center;
      gap: 0.6rem;
      padding: 0.8rem 1rem;
      background: var(--accent);
      color: white;
    }
    header img {
      width: 32px;
      height: 32px;
    }
    h1 {
      font-size: 1.25rem;
      margin: 0;
    }
    main {
      max-width: 48rem;
      margin: 0 auto;
      padding: 1.5rem 1rem;
    }
    .update {
      display: flex;
      gap: 1rem;
      align-items: center;
      justify-content: space-between;
      padding: 0.75rem 1rem;
      background: #fff4c2;
      color: #3a3000;
    }
    button {
      font: inherit;
      padding: 0.4rem 0.9rem;
      border-radius: 0.4rem;
      border: 1px solid currentColor;
      background: transparent;
      color: inherit;
      cursor: pointer;
    }
  `

  /** Shows the "new version" prompt; `apply` activates the waiting service worker and reloads. */
  offerUpdate(apply: () => void): void {
    this.applyUpdate = apply
    this.updateAvailable = true
  }

  /** The engine is running: the share views attach to it. */
  connect(client: EngineClient): void {
    this.client = client
    this.status = 'Ready.'
  }

  announce(message: string): void {
    this.status = message
  }

  override render() {
    return html`
      ${this.updateAvailable
        ? html`<div class="update" role="alert">
            <span>A new version of ClearSkies is ready.</span>
            <button @click=${() => this.applyUpdate?.()}>Reload to update</button>
          </div>`
        : nothing}
      <header>
        <img src="/icons/icon-192.png" alt="" />
        <h1>ClearSkies</h1>
      </header>
      <main>
        <p>Keep a folder in sync between your devices and friends, directly from browser to browser, with no cloud in between.</p>
        <p role="status" aria-live="polite">${this.status}</p>
      </main>
    `
  }
}

customElements.define('cs-app', CsApp)

declare global {
  interface HTMLElementTagNameMap {
    'cs-app': CsApp
  }
}

import { LitElement, css, svg } from 'lit'
import qrcode from 'qrcode-generator'

/**
 * A QR code of a share link, to scan with a phone's camera. Drawn as one SVG path of dark modules
 * on a white square (a QR code needs the light quiet zone, also in the dark theme).
 */
export class CsQrCode extends LitElement {
  static override properties = { text: {}, label: {} }

  text = ''
  label = 'QR code'

  static override styles = css`
    :host {
      display: inline-block;
      width: 12rem;
      max-width: 100%;
    }
    svg {
      display: block;
      width: 100%;
      height: auto;
      border-radius: 0.5rem;
    }
  `

  override render() {
    const qr = qrcode(0, 'M')
    qr.addData(this.text)
    qr.make()
    const count = qr.getModuleCount()
    const quiet = 4
    let path = ''
    for (let row = 0; row < count; row++) {
      for (let col = 0; col < count; col++)
        if (qr.isDark(row, col)) path += `M${col + quiet} ${row + quiet}h1v1h-1z`
    }
    const size = count + quiet * 2
    return svg`<svg viewBox="0 0 ${size} ${size}" role="img" aria-label=${this.label} shape-rendering="crispEdges">
      <rect width=${size} height=${size} fill="#fff"></rect>
      <path d=${path} fill="#000"></path>
    </svg>`
  }
}

customElements.define('cs-qr-code', CsQrCode)

declare global {
  interface HTMLElementTagNameMap {
    'cs-qr-code': CsQrCode
  }
}

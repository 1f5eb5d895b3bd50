/** A data channel stand-in for the bridge's Node-level tests: open at once, events dispatched by hand. */
import type { RelayChannel } from '../../bridge/relay'

export class FakeChannel extends EventTarget implements RelayChannel {
  readyState = 'open'
  bufferedAmount = 0
  bufferedAmountLowThreshold = 0
  readonly sent: Array<string | Uint8Array> = []

  send(data: string | Uint8Array): void {
    this.sent.push(data)
  }

  close(): void {
    if (this.readyState === 'closed') return
    this.readyState = 'closed'
    this.dispatchEvent(new Event('close'))
  }

  /** A message from the browser: text (control) or bytes (relay). */
  receive(data: string | Uint8Array): void {
    const payload =
      typeof data === 'string' ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)
    this.dispatchEvent(Object.assign(new Event('message'), { data: payload }))
  }
}

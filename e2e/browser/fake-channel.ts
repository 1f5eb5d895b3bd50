import type { DataChannelLike } from '../../src/platform/browser/channel-stream'

/** A data channel whose buffer fills as it is sent to and drains when the test says; send() throws once closed. */
export class FakeChannel extends EventTarget implements DataChannelLike {
  binaryType = 'blob'
  bufferedAmount = 0
  bufferedAmountLowThreshold = 0
  readyState = 'open'
  /** Each message's length, in order. */
  readonly messages: number[] = []
  sent = 0
  closeCalls = 0
  send(data: ArrayBufferView<ArrayBuffer>): void {
    if (this.readyState !== 'open')
      throw new DOMException('RTCDataChannel.readyState is not open', 'InvalidStateError')
    this.bufferedAmount += data.byteLength
    this.sent += data.byteLength
    this.messages.push(data.byteLength)
  }
  close(): void {
    this.closeCalls++
    this.readyState = 'closed'
  }
  receive(data: ArrayBuffer | string): void {
    this.dispatchEvent(new MessageEvent('message', { data }))
  }
  drain(): void {
    this.bufferedAmount = 0
    this.dispatchEvent(new Event('bufferedamountlow'))
  }
}

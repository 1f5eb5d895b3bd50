/**
 * The page-side pump between an RTCDataChannel and a MessagePort. The real-channel test needs a
 * network address that is not loopback (Chromium gathers no candidates on 127.0.0.1): it runs
 * inside scripts/netns-run.sh, as `npm test` does.
 */
import { describe, expect, it } from 'vitest'
import type { ByteStream } from '../../src/protocol/stream/byte-stream'
import { pumpDataChannel, type DataChannelLike } from '../../src/net/data-channel-pump'
import { portStream } from '../../src/platform/browser/port-stream'
import { FakeChannel } from './fake-channel'
import { readAll, sameBytes } from './streams'

async function channelPair(): Promise<{ a: RTCDataChannel; b: RTCDataChannel; close(): void }> {
  const pcA = new RTCPeerConnection()
  const pcB = new RTCPeerConnection()
  pcA.onicecandidate = (e) => void (e.candidate && pcB.addIceCandidate(e.candidate))
  pcB.onicecandidate = (e) => void (e.candidate && pcA.addIceCandidate(e.candidate))
  const a = pcA.createDataChannel('clearskies')
  const b = new Promise<RTCDataChannel>((resolve) => (pcB.ondatachannel = (e) => resolve(e.channel)))
  await pcA.setLocalDescription()
  await pcB.setRemoteDescription(pcA.localDescription!)
  await pcB.setLocalDescription()
  await pcA.setRemoteDescription(pcB.localDescription!)
  return { a, b: await b, close: () => (pcA.close(), pcB.close()) }
}

/** The pump on the page's port, and the stream the worker would hold on the other port. */
function pumped(channel: DataChannelLike): { worker: ByteStream; closed: Promise<Error | undefined> } {
  const ports = new MessageChannel()
  const pump = pumpDataChannel(channel, ports.port1, { windowBytes: 256 * 1024 })
  return { worker: portStream(ports.port2, { windowBytes: 256 * 1024 }), closed: pump.closed }
}

describe('pumpDataChannel', () => {
  it('carries 8 MiB each way through a real RTCDataChannel, and ends both sides', async () => {
    const { a, b, close } = await channelPair()
    const left = pumped(a)
    const right = pumped(b)
    const data = new Uint8Array(8 * 1024 * 1024).map((_, i) => (i * 31) & 0xff)
    const send = async (stream: ByteStream): Promise<void> => {
      for (let at = 0; at < data.length; at += 200_000) await stream.write(data.slice(at, at + 200_000))
      await stream.end() // a half-close: the other direction goes on
    }
    const [fromLeft, fromRight] = await Promise.all([
      readAll(right.worker),
      readAll(left.worker),
      send(left.worker),
      send(right.worker),
    ])
    expect(sameBytes(fromLeft, data)).toBe(true)
    expect(sameBytes(fromRight, data)).toBe(true)
    expect(await left.closed).toBeUndefined()
    expect(await right.closed).toBeUndefined()
    close()
  })

  it('holds the worker while the channel buffers more than the high-water mark', async () => {
    const channel = new FakeChannel()
    const ports = new MessageChannel()
    pumpDataChannel(channel, ports.port1, {
      highWaterBytes: 100_000,
      maxMessageBytes: 10_000,
      windowBytes: 50_000,
    })
    expect(channel.binaryType).toBe('arraybuffer')
    const worker = portStream(ports.port2)
    let accepted = 0
    const writes = Array.from({ length: 30 }, () =>
      worker.write(new Uint8Array(10_000)).then(() => accepted++),
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    // The channel took a little over its mark, the port window holds 50 KB more: the rest waits.
    expect(channel.sent).toBe(110_000)
    expect(accepted).toBeLessThan(30)
    while (accepted < 30) {
      channel.drain()
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await Promise.all(writes)
    channel.drain()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(channel.sent).toBe(300_000)
    worker.close()
  })

  it('ends the worker reads when the channel closes, and fails its writes after', async () => {
    const channel = new FakeChannel()
    const { worker, closed } = pumped(channel)
    channel.receive(new Uint8Array([1, 2, 3]).buffer)
    channel.close()
    channel.dispatchEvent(new Event('close'))
    expect(await readAll(worker)).toEqual(new Uint8Array([1, 2, 3]))
    // The worker has nowhere to send: its next chunk meets a closed channel, and it hears why.
    channel.send = () => {
      throw new DOMException('RTCDataChannel.readyState is not open', 'InvalidStateError')
    }
    await worker.write(new Uint8Array(1))
    expect((await worker.closed)?.message).toMatch(/not open/)
    expect((await closed)?.message).toMatch(/not open/)
  })

  it('closes the worker stream with the channel error, and on a text message', async () => {
    const failing = new FakeChannel()
    const first = pumped(failing)
    failing.dispatchEvent(Object.assign(new Event('error'), { error: new Error('SCTP failure') }))
    expect((await first.worker.closed)?.message).toMatch(/SCTP failure/)
    const texting = new FakeChannel()
    const second = pumped(texting)
    texting.receive('hello')
    expect((await second.worker.closed)?.message).toMatch(/text message/)
  })
})

/**
 * A ByteStream straight on an RTCDataChannel (src/platform/browser/channel-stream.ts): through a
 * real channel whose far end went to a worker at creation, as the app's links go to the engine
 * worker, and on a fake channel for back-pressure and endings. The real channels need a network
 * address that is not loopback: this runs inside scripts/netns-run.sh, as `npm test` does.
 */
import { describe, expect, it } from 'vitest'
import { channelStream } from '../../src/platform/browser/channel-stream'
import { FakeChannel } from './fake-channel'
import { readAll, sameBytes } from './streams'

/** Two RTCPeerConnections that `connect()` joins; make the negotiated channels on each first. */
function connectionPair(): {
  a: RTCPeerConnection
  b: RTCPeerConnection
  connect(): Promise<void>
  close(): void
} {
  const a = new RTCPeerConnection()
  const b = new RTCPeerConnection()
  a.onicecandidate = (e) => void (e.candidate && b.addIceCandidate(e.candidate))
  b.onicecandidate = (e) => void (e.candidate && a.addIceCandidate(e.candidate))
  return {
    a,
    b,
    connect: async () => {
      await a.setLocalDescription()
      await b.setRemoteDescription(a.localDescription!)
      await b.setLocalDescription()
      await a.setRemoteDescription(b.localDescription!)
    },
    close: () => (a.close(), b.close()),
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20))

describe('channelStream', () => {
  it('carries 4 MiB to a worker that took the channel at creation, and back, then ends cleanly', async () => {
    const pair = connectionPair()
    const worker = new Worker(new URL('./channel-stream.worker.ts', import.meta.url), { type: 'module' })
    const far = pair.a.createDataChannel('clearskies', { negotiated: true, id: 1000, ordered: true })
    worker.postMessage(far, [far]) // now, in the task that created it: later Chromium refuses
    const report = new Promise<{ echoed: number; closed: string }>(
      (resolve) => (worker.onmessage = (e) => resolve(e.data)),
    )
    const near = channelStream(
      pair.b.createDataChannel('clearskies', { negotiated: true, id: 1000, ordered: true }),
    )
    await pair.connect()
    const data = new Uint8Array(4 * 1024 * 1024).map((_, i) => (i * 31 + (i >> 11)) & 0xff)
    const send = async (): Promise<void> => {
      for (let at = 0; at < data.length; at += 300_000) await near.write(data.slice(at, at + 300_000))
      await near.end()
    }
    const [back] = await Promise.all([readAll(near), send()])
    expect(sameBytes(back, data)).toBe(true)
    expect(await report).toEqual({ echoed: data.length, closed: 'cleanly' })
    expect(await near.closed).toBeUndefined()
    worker.terminate()
    pair.close()
  })

  it('sends in messages of at most maxMessageBytes and holds writes above the high-water mark', async () => {
    const channel = new FakeChannel()
    const stream = channelStream(channel, {
      maxMessageBytes: 10_000,
      highWaterBytes: 25_000,
      lowWaterBytes: 5_000,
    })
    expect(channel.binaryType).toBe('arraybuffer')
    expect(channel.bufferedAmountLowThreshold).toBe(5_000)
    let written = false
    const write = stream.write(new Uint8Array(45_000)).then(() => (written = true))
    await tick()
    // Sent while at most 25,000 bytes were buffered: three messages, then it waits.
    expect(channel.messages).toEqual([10_000, 10_000, 10_000])
    expect(written).toBe(false)
    channel.drain()
    await write
    expect(channel.messages).toEqual([10_000, 10_000, 10_000, 10_000, 5_000])
    stream.close()
  })

  it('ends with an empty message both ways, keeping what arrived for the reader, then closes the channel', async () => {
    const channel = new FakeChannel()
    const stream = channelStream(channel)
    channel.receive(new Uint8Array([1, 2, 3]).buffer)
    channel.receive(new ArrayBuffer(0)) // the other side's end()
    await stream.write(new Uint8Array([4]))
    await stream.end()
    expect(channel.messages).toEqual([1, 0])
    expect(channel.closeCalls).toBe(1)
    expect(await stream.closed).toBeUndefined()
    expect(await readAll(stream)).toEqual(new Uint8Array([1, 2, 3]))
  })

  it('ends the reads when the channel closes, and fails a write after with the channel error', async () => {
    const channel = new FakeChannel()
    const stream = channelStream(channel)
    channel.receive(new Uint8Array([1, 2, 3]).buffer)
    channel.readyState = 'closed'
    channel.dispatchEvent(new Event('close'))
    expect(await readAll(stream)).toEqual(new Uint8Array([1, 2, 3]))
    await expect(stream.write(new Uint8Array(1))).rejects.toThrow(/not open/)
    expect((await stream.closed)?.message).toMatch(/not open/)
  })

  it('closes with the channel error, and on a text message', async () => {
    const failing = new FakeChannel()
    const first = channelStream(failing)
    failing.dispatchEvent(Object.assign(new Event('error'), { error: new Error('SCTP failure') }))
    expect((await first.closed)?.message).toMatch(/SCTP failure/)
    await expect(first.read()).rejects.toThrow(/SCTP failure/)
    const texting = new FakeChannel()
    const second = channelStream(texting)
    texting.receive('hello')
    expect((await second.closed)?.message).toMatch(/text message/)
    expect(texting.closeCalls).toBe(1)
  })
})

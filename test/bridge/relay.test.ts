/**
 * The relay's limits on what a browser can make the bridge hold: a data channel cannot stop
 * receiving, so a browser that ignores `pause` must not be able to fill the bridge's memory with
 * bytes for a TCP peer that does not read. Real TCP on 127.0.0.1; the data channel is a fake.
 */
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { relay } from '../../bridge/relay'
import { FakeChannel } from './fake-channel'

const cleanup: Array<() => void> = []
afterEach(() => {
  for (const done of cleanup.splice(0)) done()
})

/** A TCP peer that accepts and never reads. */
async function deafPeer(): Promise<net.Socket> {
  const server = net.createServer((socket) => socket.pause())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanup.push(() => server.close())
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  cleanup.push(() => socket.destroy())
  return socket
}

describe('relaying for a browser that ignores pause', () => {
  it('ends the relay instead of buffering without bound for a TCP peer that does not read', async () => {
    const socket = await deafPeer()
    const channel = new FakeChannel()
    const holds: boolean[] = []
    let reason: string | undefined
    void relay(channel, socket, {
      idleMs: 60_000,
      throttle: () => 0,
      holdBrowser: (hold) => holds.push(hold),
    }).then((r) => (reason = r))
    const message = new Uint8Array(64 * 1024)
    let peak = 0
    // 128 MiB sent regardless of the bridge's pause, as a hostile page would.
    for (let i = 0; i < 2048 && reason === undefined; i++) {
      channel.receive(message)
      peak = Math.max(peak, socket.writableLength)
      if (i % 64 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    await new Promise((resolve) => setImmediate(resolve))
    expect(holds[0]).toBe(true)
    expect(reason).toMatch(/did not hold off/)
    expect(peak).toBeLessThanOrEqual(32 * 1024 * 1024)
  })
})

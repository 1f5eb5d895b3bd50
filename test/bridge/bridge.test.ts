/**
 * The bridge's routing and refusals, over the real signaling server, the real bridge and real
 * WebRTC (node-datachannel on both ends): a dial reaches only what the tracker published for a
 * watched ID, within the per-peer limits; an inbound connection reaches the browser that asked for
 * its ID, byte for byte, and anything else is closed.
 */
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBridge, type BridgeServer } from '../../bridge/bridge'
import { parseBridgeConfig } from '../../bridge/config'
import type { NodeDataChannel } from '../../bridge/rtc'
import { parseSignalingConfig } from '../../signaling/config'
import { createLogger } from '../../signaling/log'
import { startSignalingServer, type SignalingServer } from '../../signaling/server'
import { connectTcp } from '../../src/platform/node/tcp-stream'
import { createMemoryPipe } from '../../src/protocol/stream/memory-pipe'
import { connectTls } from '../../src/protocol/tls'
import { runTrackerClient, type TrackerClientHandle } from '../../src/protocol/tracker/client-driver'
import { connectNodeBrowser, type NodeBrowser } from './node-browser'

const ID = '1d'.repeat(32)
const OTHER_ID = '2e'.repeat(32)
const TOKEN = 'c0ffee'.repeat(8)
const quiet = createLogger(process.env.BRIDGE_TEST_LOG === '1' ? 'debug' : 'silent')

let signaling: SignalingServer
let bridge: BridgeServer
let browser: NodeBrowser
let published: net.Server
let unpublished: net.Server
let tcpPeer: TrackerClientHandle

function echoServer(): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket))
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}
const portOf = (server: net.Server): number => (server.address() as net.AddressInfo).port

/** Collects what arrives on a relay channel until its empty message (the half-close). */
function receiveAll(channel: NodeDataChannel): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = []
    channel.addEventListener('message', (event) => {
      const data = (event as Event & { data?: unknown }).data as ArrayBuffer
      if (data.byteLength !== 0) return void parts.push(Buffer.from(data))
      // Both sides have ended: the browser's side closes the channel (src/net/data-channel-pump.ts).
      channel.close()
      resolve(Buffer.concat(parts))
    })
  })
}

const opened = (channel: NodeDataChannel): Promise<void> =>
  new Promise((resolve) =>
    channel.readyState === 'open' ? resolve() : channel.addEventListener('open', () => resolve()),
  )

beforeAll(async () => {
  signaling = await startSignalingServer(
    parseSignalingConfig(['--host', '127.0.0.1', '--port', '0', '--tcp-port', '0'], {
      CLEARSKIES_BRIDGE_TOKEN: TOKEN,
    }),
    quiet,
  )
  const url = `http://127.0.0.1:${signaling.httpPort}`
  bridge = await startBridge(
    parseBridgeConfig(
      [
        '--signaling',
        url,
        '--listen',
        '127.0.0.1:0',
        '--allow-private',
        '127.0.0.0/8',
        '--max-connections-per-peer',
        '2',
      ],
      { CLEARSKIES_BRIDGE_TOKEN: TOKEN },
    ),
    quiet,
  )
  published = await echoServer()
  unpublished = await echoServer()
  // A raw-TCP peer: registered with the TCP tracker under ID, at the echo server's address.
  tcpPeer = runTrackerClient(await connectTcp('127.0.0.1', signaling.tcpPort), {
    software: 'tcp-peer',
    ttlSeconds: 60,
    signaling: false,
    onEvent: () => {},
  })
  tcpPeer.setAddresses([`tcp:127.0.0.1:${portOf(published)}`])
  tcpPeer.setIds(new Map([[ID, 'aa'.repeat(16)]]))
  browser = await connectNodeBrowser(url, new Map([[ID, 'bb'.repeat(16)]]))
  browser.watch([ID], true)
}, 30_000)

afterAll(async () => {
  browser?.close()
  tcpPeer?.close()
  await bridge?.close()
  published?.close()
  unpublished?.close()
  await signaling?.close()
})

describe('dialling for a browser', () => {
  it('relays a published address both ways, half-close included', async () => {
    const { channel, error } = await browser.dial(ID, `tcp:127.0.0.1:${portOf(published)}`)
    expect(error).toBeUndefined()
    if (!channel) throw new Error('no channel')
    await opened(channel)
    const echoed = receiveAll(channel)
    const sent = Buffer.alloc(300_000, 7)
    for (let at = 0; at < sent.length; at += 60_000) channel.send(sent.subarray(at, at + 60_000))
    channel.send(new Uint8Array(0))
    expect((await echoed).equals(sent)).toBe(true)
  })

  it.each([
    [
      'an address the tracker never published',
      (): [string, string] => [ID, `tcp:127.0.0.1:${portOf(unpublished)}`],
      /not published by the tracker/,
    ],
    [
      'an ID the browser did not register with the bridge',
      (): [string, string] => [OTHER_ID, `tcp:127.0.0.1:${portOf(published)}`],
      /not published by the tracker/,
    ],
    ['the bridge itself', (): [string, string] => [ID, bridge.inbound ?? ''], /the bridge itself/],
    ['a host name', (): [string, string] => [ID, 'tcp:localhost:80'], /not a tcp:IP:PORT/],
  ])('refuses %s', async (_name, target, reason) => {
    const [id, address] = target()
    const refusedBefore = bridge.stats.refused
    expect((await browser.dial(id, address)).error).toMatch(reason)
    expect(bridge.stats.refused).toBe(refusedBefore + 1)
  })

  it('holds a browser peer to its connection limit', async () => {
    const address = `tcp:127.0.0.1:${portOf(published)}`
    const first = await browser.dial(ID, address)
    const second = await browser.dial(ID, address)
    expect((await browser.dial(ID, address)).error).toMatch(/more than 2 connections at once/)
    first.channel?.close()
    second.channel?.close()
    await expect.poll(() => bridge.relays).toBe(0)
  })
})

describe('inbound connections', () => {
  const connectToBridge = (): Promise<net.Socket> => {
    const port = Number((bridge.inbound ?? '').split(':').at(-1))
    return new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => resolve(socket))
    })
  }
  const closedByBridge = (socket: net.Socket): Promise<void> =>
    new Promise((resolve) => socket.on('end', () => resolve()).resume())
  async function clientHello(id: string): Promise<Uint8Array> {
    const [ours, theirs] = createMemoryPipe()
    void connectTls(ours, { username: `clearskies:1:${id}`, password: '00' }).catch(() => undefined)
    const first = await theirs.read()
    theirs.close()
    return first ?? new Uint8Array(0)
  }

  it('routes a ClientHello for a watched ID to the browser, verbatim', async () => {
    const hello = await clientHello(ID)
    const socket = await connectToBridge()
    socket.write(hello.subarray(0, 10))
    socket.write(hello.subarray(10))
    await expect.poll(() => browser.incoming.length, { timeout: 10_000 }).toBe(1)
    const [incoming] = browser.incoming
    expect(incoming?.id).toBe(ID)
    const channel = browser.accept(incoming?.channel ?? 0)
    const received = receiveAll(channel)
    socket.end()
    expect(Buffer.from(hello).equals(await received)).toBe(true)
  })

  it.each([
    ['a ClientHello for an ID no browser asked for', () => clientHello(OTHER_ID)],
    ['bytes that are not TLS', async () => new TextEncoder().encode('SSH-2.0-OpenSSH_9.2\r\n')],
  ])('closes %s', async (_name, bytes) => {
    const before = bridge.stats.inboundRefused
    const socket = await connectToBridge()
    socket.write(await bytes())
    await closedByBridge(socket)
    expect(bridge.stats.inboundRefused).toBe(before + 1)
  })
})

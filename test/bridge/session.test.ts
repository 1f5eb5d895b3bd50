/**
 * A browser peer's session at the Node level: control messages in, over a fake WebRTC connection;
 * the tracker observer on a real signaling server, the dialled peer a real TCP listener, all on
 * 127.0.0.1.
 */
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DialPolicy } from '../../bridge/policy'
import type { RtcPeer } from '../../bridge/rtc'
import { BrowserSession } from '../../bridge/session'
import { parseSignalingConfig } from '../../signaling/config'
import { createLogger } from '../../signaling/log'
import { startSignalingServer, type SignalingServer } from '../../signaling/server'
import { CONTROL_CHANNEL_ID, FIRST_DIAL_CHANNEL } from '../../src/protocol/bridge/messages'
import { connectTcp } from '../../src/platform/node/tcp-stream'
import { runTrackerClient, type TrackerClientHandle } from '../../src/protocol/tracker/client-driver'
import { FakeChannel } from './fake-channel'

const ID = '3f'.repeat(32)
const quiet = createLogger('silent')

let signaling: SignalingServer
let peer: net.Server
let address: string
let tcpPeer: TrackerClientHandle

beforeAll(async () => {
  signaling = await startSignalingServer(
    parseSignalingConfig(
      ['--host', '127.0.0.1', '--port', '0', '--tcp-port', '0', '--log-level', 'silent'],
      {},
    ),
    quiet,
  )
  peer = net.createServer((socket) => socket.resume())
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve))
  address = `tcp:127.0.0.1:${(peer.address() as net.AddressInfo).port}`
  tcpPeer = runTrackerClient(await connectTcp('127.0.0.1', signaling.tcpPort), {
    software: 'tcp-peer',
    ttlSeconds: 60,
    signaling: false,
    onEvent: () => {},
  })
  tcpPeer.setAddresses([address])
  tcpPeer.setIds(new Map([[ID, 'aa'.repeat(16)]]))
})

afterAll(async () => {
  tcpPeer?.close()
  peer?.close()
  await signaling?.close()
})

/** A session whose WebRTC connection is up at once; returns its control channel. */
function session(maxRelays: number): { control: FakeChannel; session: BrowserSession } {
  const channels = new Map<number, FakeChannel>()
  const rtc = {
    connected: Promise.resolve(),
    channel: (id: number) => {
      const channel = new FakeChannel()
      channels.set(id, channel)
      return channel
    },
    close: () => {},
  }
  const s = new BrowserSession({
    name: 'test',
    rtc: rtc as unknown as RtcPeer,
    policy: new DialPolicy({ allow: [], allowPrivate: ['127.0.0.0/8'] }),
    limits: { maxRelays, bytesPerSecond: 0, idleMs: 60_000 },
    inbound: null,
    own: new Set(),
    openTracker: () => connectTcp('127.0.0.1', signaling.tcpPort),
    software: 'bridge-test',
    routeInbound: () => {},
    stats: { dialled: 0, refused: 0 },
    log: quiet,
  })
  return {
    session: s,
    get control(): FakeChannel {
      const control = channels.get(CONTROL_CHANNEL_ID)
      if (!control) throw new Error('no control channel yet')
      return control
    },
  }
}

const dialed = (control: FakeChannel): Array<{ channel: number; error?: string }> =>
  control.sent
    .filter((m): m is string => typeof m === 'string')
    .map((m) => JSON.parse(m) as { type: string; channel: number; error?: string })
    .filter((m) => m.type === 'dialed')

describe('a browser session', () => {
  it('holds dials sent together to the connection limit', async () => {
    const opened = session(2)
    await new Promise((resolve) => setImmediate(resolve))
    const { control, session: s } = opened
    control.receive(JSON.stringify({ type: 'watch', ids: [ID], inbound: false }))
    const channels = [0, 1, 2, 3, 4, 4].map((i) => FIRST_DIAL_CHANNEL + 2 * i)
    for (const channel of channels)
      control.receive(JSON.stringify({ type: 'dial', channel, id: ID, address }))
    await expect.poll(() => dialed(control).length, { timeout: 10_000 }).toBe(channels.length)
    const answers = dialed(control)
    expect(answers.filter((a) => a.error === undefined)).toHaveLength(2)
    expect(s.relayCount).toBe(2)
    s.close('done')
  })

  it('gives a channel to one dial, however close together two ask for it', async () => {
    const opened = session(16)
    await new Promise((resolve) => setImmediate(resolve))
    const { control, session: s } = opened
    control.receive(JSON.stringify({ type: 'watch', ids: [ID], inbound: false }))
    for (let i = 0; i < 2; i++)
      control.receive(JSON.stringify({ type: 'dial', channel: FIRST_DIAL_CHANNEL, id: ID, address }))
    await expect.poll(() => dialed(control).length, { timeout: 10_000 }).toBe(2)
    expect(dialed(control).map((a) => a.error)).toEqual([expect.stringMatching(/not free/), undefined])
    expect(s.relayCount).toBe(1)
    s.close('done')
  })
})

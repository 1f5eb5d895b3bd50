/** Bad input and abuse: every limit holds, and every refusal tells the client why. */
import { createConnection, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { SignalingServer } from '../../signaling/server'
import { encodeTrackerMessage } from '../../src/protocol/tracker/framing'
import type { WireBody } from '../../src/protocol/wire/message'
import { openWebSocket, randomId, rawClient, startedRawClient, startServer, trackerUrl } from './helpers'

let server: SignalingServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

const PEER = 'ab'.repeat(16)

/** A raw TCP tracker client that starts, sends `messages`, and discards whatever it receives. */
async function tcpClient(port: number, messages: WireBody[]): Promise<Socket> {
  const socket = createConnection(port, '127.0.0.1')
  await new Promise((resolve) => socket.once('data', resolve))
  socket.on('data', () => {})
  socket.write(encodeTrackerMessage({ type: 'tracker.start', software: 'raw', protocol: 1, ttl: 60 }))
  for (const m of messages) socket.write(encodeTrackerMessage(m))
  return socket
}

describe('signaling abuse limits', () => {
  it.each([
    ['a byte that is no message prefix', 'x', 1002, /^framing: expected a message prefix/],
    ['a signed message', 's13:4{"type":"x"}\nAAAA\n', 1002, /^framing: message prefix 's'/],
    ['a body that is not JSON', 'm6{oops\n', 1002, /^framing: .*not valid JSON/],
    [
      'a known message with a bad field',
      'm43{"type":"tracker.connection","addresses":7}\n',
      1007,
      /^message: tracker.connection: field "addresses" must be an array/,
    ],
  ])('closes on %s', async (_name, bytes, code, reason) => {
    server = await startServer()
    const client = await startedRawClient(server)
    client.sendBytes(bytes)
    const closed = await client.closed
    expect(closed.code).toBe(code)
    expect(closed.reason).toMatch(reason)
  })

  it('refuses text WebSocket messages', async () => {
    server = await startServer()
    const client = await startedRawClient(server)
    client.ws.send('m22{"type":"tracker.ping"}\n')
    expect((await client.closed).code).toBe(1003)
  })

  it('ignores unknown message types, and relays from a connection without the extension', async () => {
    server = await startServer()
    const id = randomId()
    const client = await startedRawClient(server, { extensions: [] })
    client.send({ type: 'tracker.someday', x: 1 })
    client.send({ type: '.com.example.thing' })
    client.send({ type: 'tracker.register', ids: { [id]: PEER } })
    client.send({ type: '.org.clearskies.signal.relay', id, from: 'cd'.repeat(16), to: PEER, signal: {} })
    const peers = await client.next('tracker.peers')
    expect(peers).toEqual({ type: 'tracker.peers', id, peers: {} })
    expect(server.connectionCount()).toBe(1)
  })

  it('insists on tracker.start first, in time, and on protocol 1', async () => {
    server = await startServer(['--start-timeout-ms', '300'])
    const early = await rawClient(server)
    await early.next('tracker.greeting')
    early.send({ type: 'tracker.ping' })
    expect(await early.closed).toEqual({
      code: 1002,
      reason: 'protocol: expected tracker.start, got tracker.ping',
    })

    const v2 = await rawClient(server)
    v2.send({ type: 'tracker.start', software: 'x', protocol: 2, ttl: 60 })
    expect((await v2.closed).reason).toMatch(/^protocol: tracker protocol 2 is not supported/)

    const idle = await rawClient(server)
    expect((await idle.closed).reason).toBe('protocol: no tracker.start within 300 ms')
  })

  it('bounds the message size, whether in one WebSocket message or spread over many', async () => {
    server = await startServer(['--max-message-bytes', '1024'])
    const addresses = Array.from({ length: 8 }, (_, i) => `tcp:192.0.2.${i}:${'1'.repeat(200)}`)
    const whole = await startedRawClient(server)
    whole.send({ type: 'tracker.connection', addresses })
    // ws refuses the oversized WebSocket message itself (maxPayload), before we read a byte of it.
    expect((await whole.closed).code).toBe(1009)

    const trickle = await startedRawClient(server)
    trickle.sendBytes('m99999{"type":"tracker.ping","pad":"')
    for (let i = 0; i < 4; i++) trickle.sendBytes('x'.repeat(500))
    expect(await trickle.closed).toMatchObject({
      code: 1009,
      reason: expect.stringMatching(/^limit: message length exceeds maximum 1024 bytes/),
    })
  })

  it('limits messages per second per connection', async () => {
    server = await startServer(['--rate-per-s', '5', '--rate-burst', '5'])
    const client = await startedRawClient(server)
    for (let i = 0; i < 10; i++) client.send({ type: 'tracker.ping' })
    expect(await client.closed).toEqual({ code: 1008, reason: 'rate: more than 5 messages/s (burst 5)' })
  })

  it('caps the IDs one connection may register', async () => {
    server = await startServer(['--max-ids', '2'])
    const client = await startedRawClient(server)
    client.send({
      type: 'tracker.register',
      ids: { [randomId()]: PEER, [randomId()]: PEER, [randomId()]: PEER },
    })
    expect(await client.closed).toEqual({
      code: 1009,
      reason: 'limit: tracker.register: 3 IDs, more than the maximum 2',
    })
  })

  it('caps connections per address over WebSocket and TCP together, and frees a slot on close', async () => {
    server = await startServer(['--max-connections-per-address', '2'])
    const first = await rawClient(server)
    await rawClient(server)
    await expect(openWebSocket(trackerUrl(server), {}, () => {})).rejects.toThrow('HTTP 429')
    const tcpRefused = await new Promise<string>((resolve) => {
      const socket = createConnection(server!.tcpPort, '127.0.0.1')
      let data = ''
      socket.on('data', (d) => (data += d.toString()))
      socket.on('close', () => resolve(data))
    })
    expect(tcpRefused).toBe('')
    first.ws.close()
    await first.closed
    await expect.poll(() => server!.connectionCount()).toBe(1)
    await rawClient(server)
  })

  it('counts clients behind a trusted proxy by the last X-Forwarded-For entry, and reports that address', async () => {
    server = await startServer(['--max-connections-per-address', '1', '--trust-proxy'])
    // The proxy appends the address it saw; what comes before it is whatever the client wrote.
    const a = await rawClient(server, { 'X-Forwarded-For': '203.0.113.9, 198.51.100.1' })
    const b = await rawClient(server, { 'X-Forwarded-For': '2001:db8::1' })
    expect((await a.next('tracker.greeting')).your_ip).toBe('198.51.100.1')
    expect((await b.next('tracker.greeting')).your_ip).toBe('[2001:db8::1]')
    const spoofed = { 'X-Forwarded-For': '192.0.2.77, 198.51.100.1' }
    await expect(openWebSocket(trackerUrl(server), spoofed, () => {})).rejects.toThrow('HTTP 429')
    // Nor can a client spend someone else's allowance by naming them first.
    const other = await rawClient(server, { 'X-Forwarded-For': '2001:db8::1, 198.51.100.2' })
    expect((await other.next('tracker.greeting')).your_ip).toBe('198.51.100.2')
  })

  it('drops a client that does not read what it is sent', async () => {
    const limits = ['--max-buffered-bytes', '65536', '--rate-per-s', '100000', '--rate-burst', '100000']
    server = await startServer(limits)
    const id = randomId()
    const bigAddresses = Array.from({ length: 16 }, (_, i) => `tcp:192.0.2.${i}:${'9'.repeat(240)}`)
    // Ten members with large address lists make every peer list about 40 KB. They read and discard.
    const members = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        tcpClient(server!.tcpPort, [
          { type: 'tracker.connection', addresses: bigAddresses },
          { type: 'tracker.register', ids: { [id]: i.toString(16).padStart(32, '0') } },
        ]),
      ),
    )
    const slow = await tcpClient(server.tcpPort, [
      { type: 'tracker.register', ids: { [id]: 'ff'.repeat(16) } },
    ])
    slow.pause()
    const churner = await tcpClient(server.tcpPort, [
      { type: 'tracker.register', ids: { [id]: 'ee'.repeat(16) } },
    ])
    await expect.poll(() => server!.connectionCount()).toBe(12)
    for (let i = 0; i < 1000 && server.connectionCount() === 12; i++) {
      churner.write(encodeTrackerMessage({ type: 'tracker.connection', addresses: [`tcp:192.0.2.1:${i}`] }))
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    await expect.poll(() => server!.connectionCount()).toBe(11)
    for (const socket of [...members, slow, churner]) socket.destroy()
  })

  it('caps connections per instance, and refuses other WebSocket paths', async () => {
    server = await startServer(['--max-connections', '1'])
    await rawClient(server)
    await expect(openWebSocket(trackerUrl(server), {}, () => {})).rejects.toThrow('HTTP 503')
    await expect(openWebSocket(`ws://127.0.0.1:${server.httpPort}/elsewhere`, {}, () => {})).rejects.toThrow(
      'HTTP 404',
    )
  })
})

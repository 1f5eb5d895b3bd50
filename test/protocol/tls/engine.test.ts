/** The sans-I/O engine on its own: two engines handshake by handing bytes across, then refuse renegotiation. */
import { describe, expect, it } from 'vitest'
import { ClientHandshake } from '../../../src/protocol/tls/client-handshake'
import { HandshakeType } from '../../../src/protocol/tls/constants'
import { TlsEngine } from '../../../src/protocol/tls/engine'
import { encodeHandshake } from '../../../src/protocol/tls/messages'
import { ServerHandshake } from '../../../src/protocol/tls/server-handshake'
import { clientOptions, serverOptions } from './session-fixtures'

async function connectedEngines(): Promise<[TlsEngine, TlsEngine]> {
  const client = new TlsEngine((sink) => new ClientHandshake(clientOptions(), sink), false)
  const server = new TlsEngine((sink) => new ServerHandshake(serverOptions(), sink), true)
  await client.machine.start()
  while (!client.handshakeDone || !server.handshakeDone) {
    const toServer = await client.drainOutput()
    if (toServer) await server.receive(toServer)
    const toClient = await server.drainOutput()
    if (toClient) await client.receive(toClient)
  }
  return [client, server]
}

async function send(from: TlsEngine, to: TlsEngine): Promise<void> {
  const bytes = await from.drainOutput()
  if (bytes) await to.receive(bytes)
}

describe('TlsEngine', () => {
  it('completes a handshake with bytes handed across by hand, in states both sides name', async () => {
    const [client, server] = await connectedEngines()
    expect(client.machine.state).toBe('done')
    expect(server.machine.state).toBe('done')
    await server.receive(await client.sealApplicationData([new TextEncoder().encode('hello')]))
    expect(new TextDecoder().decode(server.takeApplicationData() as Uint8Array)).toBe('hello')
  })

  it('answers a renegotiating ClientHello with a no_renegotiation warning and carries on (RFC 5746 §4.4)', async () => {
    const [client, server] = await connectedEngines()
    client.sendHandshake(encodeHandshake(HandshakeType.client_hello, new Uint8Array(40)))
    await send(client, server)
    const reply = await server.drainOutput()
    expect(reply).not.toBeNull()
    await client.receive(reply as Uint8Array) // a warning: the client carries on too
    await client.receive(await server.sealApplicationData([new Uint8Array([1, 2, 3])]))
    expect(client.takeApplicationData()).toEqual(new Uint8Array([1, 2, 3]))
  })

  it('answers a HelloRequest with a no_renegotiation warning', async () => {
    const [client, server] = await connectedEngines()
    server.sendHandshake(encodeHandshake(HandshakeType.hello_request, new Uint8Array(0)))
    await send(server, client)
    expect(client.hasOutput).toBe(true)
    await send(client, server)
    await server.receive(await client.sealApplicationData([new Uint8Array([9])]))
    expect(server.takeApplicationData()).toEqual(new Uint8Array([9]))
  })

  it('fails on any other handshake message after the handshake', async () => {
    const [client, server] = await connectedEngines()
    client.sendHandshake(encodeHandshake(HandshakeType.finished, new Uint8Array(12)))
    const bytes = (await client.drainOutput()) as Uint8Array
    await expect(server.receive(bytes)).rejects.toMatchObject({
      code: 'ERR_TLS_UNEXPECTED_MESSAGE',
      alert: 10,
    })
  })
})

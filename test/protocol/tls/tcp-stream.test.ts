/** The Node TCP adapter (src/platform/node/tcp-stream.ts) that the interop tests, the CLI and the daemon use. */
import { afterEach, describe, expect, it } from 'vitest'
import {
  type TcpByteStream,
  type TcpListener,
  connectTcp,
  listenTcp,
} from '../../../src/platform/node/tcp-stream'
import { readAll } from './session-fixtures'

let listener: TcpListener | undefined
afterEach(async () => listener?.close())

async function connectedPair(): Promise<[TcpByteStream, TcpByteStream]> {
  let accept: (s: TcpByteStream) => void = () => {}
  const accepted = new Promise<TcpByteStream>((resolve) => (accept = resolve))
  listener = await listenTcp('127.0.0.1', 0, (s) => accept(s))
  const client = await connectTcp('127.0.0.1', listener.port)
  return [client, await accepted]
}

describe('tcpStream', () => {
  it('carries bytes both ways and half-closes: each side reads to the end after the other ends', async () => {
    const [a, b] = await connectedPair()
    expect(a.remote).toMatch(/^127\.0\.0\.1:\d+$/)
    await a.write(new TextEncoder().encode('ping'))
    await a.end()
    expect(new TextDecoder().decode(await readAll(b))).toBe('ping')
    await b.write(new TextEncoder().encode('pong')) // b can still write after a ended
    await b.end()
    expect(new TextDecoder().decode(await readAll(a))).toBe('pong')
    await expect(a.closed).resolves.toBeUndefined()
  })

  it('stops accepting writes while the reader does not read, and resumes when it does', async () => {
    const [a, b] = await connectedPair()
    const chunk = new Uint8Array(64 * 1024)
    const total = 32 * 1024 * 1024
    let accepted = 0
    const writing = (async () => {
      for (let sent = 0; sent < total; sent += chunk.length) {
        await a.write(chunk)
        accepted += chunk.length
      }
      await a.end()
    })()
    await new Promise((r) => setTimeout(r, 300))
    expect(accepted).toBeLessThan(total)
    let got = 0
    for (let c = await b.read(); c; c = await b.read()) got += c.length
    await writing
    expect(got).toBe(total)
  })

  it('close() tears the connection down: the other side sees the end, and writes after it fail', async () => {
    const [a, b] = await connectedPair()
    a.close()
    await expect(a.closed).resolves.toBeUndefined()
    await expect(a.write(new Uint8Array(1))).rejects.toThrow(/not writable|closed/)
    await expect(b.read()).resolves.toBeNull()
  })

  it('fails to connect to a closed port with the system error', async () => {
    const [a] = await connectedPair()
    a.close()
    const port = (listener as TcpListener).port
    await (listener as TcpListener).close()
    listener = undefined
    await expect(connectTcp('127.0.0.1', port)).rejects.toThrow(/ECONNREFUSED/)
  })
})

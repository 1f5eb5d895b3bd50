/** The Node TCP adapter (src/platform/node/tcp-stream.ts) that the interop tests, the CLI and the daemon use. */
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type TcpByteStream,
  type TcpListener,
  ConnectTimeoutError,
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

  // The dialled side reads into slabs (onread), the accepted side through 'data' events.
  it.each([
    ['the dialled side writes', 0],
    ['the accepted side writes', 1],
  ])(
    'stops accepting writes while the reader does not read, and resumes when it does (%s)',
    async (_, writer) => {
      const pair = await connectedPair()
      const [a, b] = [pair[writer]!, pair[1 - writer]!]
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
    },
  )

  it('hands the dialled side bulk data in reads larger than 64 KiB, and never writes over a view it handed out', async () => {
    const [dialled, accepted] = await connectedPair()
    const total = 8 * 1024 * 1024
    const sent = new Uint8Array(total)
    for (let i = 0; i < total; i += 4) new DataView(sent.buffer).setUint32(i, i * 2654435761)
    const writing = accepted.write(sent).then(() => accepted.end())
    await new Promise((r) => setTimeout(r, 100)) // lets the data wait in the kernel, as under load
    const views: Uint8Array[] = []
    for (let c = await dialled.read(); c; c = await dialled.read()) views.push(c)
    await writing
    // Node's 'data' events never carry more than 64 KiB.
    expect(Math.max(...views.map((v) => v.byteLength))).toBeGreaterThan(64 * 1024)
    // Every view, kept uncopied until the end, still holds what was sent.
    const joined = new Uint8Array(total)
    let at = 0
    for (const v of views) {
      joined.set(v, at)
      at += v.byteLength
    }
    expect(at).toBe(total)
    expect(Buffer.compare(joined, sent)).toBe(0)
  })

  it('close() tears the connection down: the other side sees the end, and writes after it fail', async () => {
    const [a, b] = await connectedPair()
    a.close()
    await expect(a.closed).resolves.toBeUndefined()
    await expect(a.write(new Uint8Array(1))).rejects.toThrow(/not writable|closed/)
    await expect(b.read()).resolves.toBeNull()
  })

  it('resolves a write once the socket has let go of the chunk, and rejects one cut off by close()', async () => {
    const [a] = await connectedPair()
    expect(a.releasesWrites).toBe(true)
    await a.write(new Uint8Array(1024))
    // The other side does not read: a large write stays in progress until the stream is closed.
    const stuck = a.write(new Uint8Array(64 * 1024 * 1024))
    await new Promise((r) => setTimeout(r, 100))
    a.close()
    await expect(stuck).rejects.toThrow(/closed|write failed/)
  })

  it('fails to connect to a closed port with the system error', async () => {
    const [a] = await connectedPair()
    a.close()
    const port = (listener as TcpListener).port
    await (listener as TcpListener).close()
    listener = undefined
    await expect(connectTcp('127.0.0.1', port)).rejects.toThrow(/ECONNREFUSED/)
  })

  it('keeps a connection made within the timeout open past it', async () => {
    listener = await listenTcp('127.0.0.1', 0, () => {})
    const client = await connectTcp('127.0.0.1', listener.port, { timeoutMs: 50 })
    await new Promise((r) => setTimeout(r, 150))
    await expect(client.write(new Uint8Array(1))).resolves.toBeUndefined()
    client.close()
  })
})

describe('connectTcp timeout', () => {
  let silent: ChildProcess | undefined
  const fillers: net.Socket[] = []
  afterEach(() => {
    for (const s of fillers.splice(0)) s.destroy()
    silent?.kill('SIGKILL')
  })

  /**
   * A listener with backlog 1 (Node takes 0 for its default, 511) in a process whose event loop is
   * blocked, so it never accepts: once its accept queue is full, Linux drops further SYNs
   * (net.ipv4.tcp_abort_on_overflow=0), as a host that does not answer would.
   */
  async function unansweredPort(): Promise<number> {
    const program = `const s = require('node:net').createServer()
      s.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
        console.log(s.address().port)
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000)
      })`
    const child = spawn(process.execPath, ['-e', program], { stdio: ['ignore', 'pipe', 'inherit'] })
    silent = child
    const port = await new Promise<number>((resolve) =>
      child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(Number(d.trim()))),
    )
    // Fills the queue: connections complete until one is left unanswered.
    for (let i = 0; i < 16; i++) {
      const socket = net.connect({ host: '127.0.0.1', port })
      socket.on('error', () => {})
      fillers.push(socket)
      const answered = await new Promise<boolean>((resolve) => {
        socket.once('connect', () => resolve(true))
        setTimeout(() => resolve(false), 300)
      })
      if (!answered) return port
    }
    throw new Error('the silent listener kept accepting: cannot test the connect timeout here')
  }

  it('rejects, naming host:port and the timeout, when SYNs go unanswered', async () => {
    const port = await unansweredPort()
    const started = performance.now()
    const outcome = await Promise.race([
      connectTcp('127.0.0.1', port, { timeoutMs: 300 }).then(
        (stream) => (stream.close(), 'connected'),
        (err: Error) => err,
      ),
      new Promise((r) => setTimeout(() => r('still waiting after 3 s'), 3_000)),
    ])
    const elapsedMs = performance.now() - started
    expect(outcome).toBeInstanceOf(ConnectTimeoutError)
    expect((outcome as Error).message).toBe(`connecting to 127.0.0.1:${port} timed out after 300 ms`)
    expect(elapsedMs).toBeGreaterThanOrEqual(290)
    expect(elapsedMs).toBeLessThan(1_500)
  })
})

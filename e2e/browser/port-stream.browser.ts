import { afterEach, describe, expect, it } from 'vitest'
import { StreamClosedError, type ByteStream } from '../../src/protocol/stream/byte-stream'
import { portStream } from '../../src/platform/browser/port-stream'
import { readAll, sameBytes } from './streams'

const opened: ByteStream[] = []
function pair(windowBytes?: number): [ByteStream, ByteStream] {
  const channel = new MessageChannel()
  const options = windowBytes === undefined ? {} : { windowBytes }
  const ends: [ByteStream, ByteStream] = [
    portStream(channel.port1, options),
    portStream(channel.port2, options),
  ]
  opened.push(...ends)
  return ends
}
afterEach(() => {
  for (const stream of opened.splice(0)) stream.close()
})

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20))

describe('portStream', () => {
  it('carries bytes in order both ways at once, then ends each side', async () => {
    const [a, b] = pair(64 * 1024)
    const expected = new Uint8Array(3_000_000).map((_, i) => (i * 13) & 0xff)
    const send = async (stream: ByteStream): Promise<void> => {
      for (let at = 0, size = 1; at < expected.length; at += size, size = (size * 7 + 1) % 100_000) {
        await stream.write(expected.slice(at, at + size))
      }
      await stream.end()
    }
    const [, , fromA, fromB] = await Promise.all([send(a), send(b), readAll(b), readAll(a)])
    expect(sameBytes(fromA, expected)).toBe(true)
    expect(sameBytes(fromB, expected)).toBe(true)
    await expect(a.closed).resolves.toBeUndefined()
    await expect(b.closed).resolves.toBeUndefined()
  })

  it('transfers whole buffers and copies views into larger ones', async () => {
    const [a, b] = pair()
    const whole = new Uint8Array([1, 2, 3])
    const backing = new Uint8Array([9, 8, 7, 6])
    await a.write(whole)
    await a.write(backing.subarray(1, 3))
    expect(whole.byteLength).toBe(0) // detached: it went without a copy
    expect(backing).toEqual(new Uint8Array([9, 8, 7, 6]))
    expect(await b.read()).toEqual(new Uint8Array([1, 2, 3]))
    expect(await b.read()).toEqual(new Uint8Array([8, 7]))
  })

  it('holds the writer once the reader has not read a window', async () => {
    const [a, b] = pair(64 * 1024)
    let accepted = 0
    const writes = Array.from({ length: 20 }, () => a.write(new Uint8Array(16 * 1024)).then(() => accepted++))
    await tick()
    expect(accepted).toBe(4) // 64 KiB of credit, 16 KiB each
    let read = 0
    while (read < 20 * 16 * 1024) read += (await b.read())?.byteLength ?? 0
    await Promise.all(writes)
    expect(accepted).toBe(20)
  })

  it('lets a chunk larger than the window overdraw it, and then waits', async () => {
    const [a, b] = pair(1024)
    await a.write(new Uint8Array(100_000))
    let second = false
    const pending = a.write(new Uint8Array(10)).then(() => (second = true))
    await tick()
    expect(second).toBe(false)
    expect((await b.read())?.byteLength).toBe(100_000)
    await pending
    expect((await b.read())?.byteLength).toBe(10)
  })

  it('propagates close with its reason to the reader, the writers and closed', async () => {
    const [a, b] = pair(1024)
    await b.write(new Uint8Array(2048)) // b's credit is spent: its next write waits
    const waiting = b.write(new Uint8Array(1))
    const reading = b.read()
    a.close(new Error('engine stopped'))
    await expect(reading).rejects.toThrow(/engine stopped/)
    await expect(waiting).rejects.toBeInstanceOf(StreamClosedError)
    expect((await b.closed)?.message).toMatch(/closed by the other end: engine stopped/)
    expect(await a.closed).toEqual(new Error('engine stopped'))
    await expect(a.write(new Uint8Array(1))).rejects.toBeInstanceOf(StreamClosedError)
    a.close() // idempotent
  })

  it('closes on a message that is not its own', async () => {
    const channel = new MessageChannel()
    const stream = portStream(channel.port1)
    channel.port2.postMessage({ kind: 'data', bytes: 'not bytes' })
    expect((await stream.closed)?.message).toMatch(/unexpected message/)
  })
})

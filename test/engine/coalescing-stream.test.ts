/** The coalescing stream: small writes of one turn go down as one, in order, with back-pressure. */
import { describe, expect, it } from 'vitest'
import {
  coalescingStream,
  COALESCE_MAX_COPY_BYTES,
  COALESCE_WRITE_BEHIND_BYTES,
  type Defer,
} from '../../src/engine/coalescing-stream'
import type { ByteStream } from '../../src/protocol/stream/byte-stream'

/** A stream that records each write it is given. */
function recorder(): ByteStream & { writes: Uint8Array[] } {
  const writes: Uint8Array[] = []
  return {
    writes,
    read: async () => null,
    write: async (chunk) => void writes.push(chunk),
    end: async () => undefined,
    close: () => undefined,
    closed: new Promise(() => undefined),
  }
}

/** A turn that ends only when the test says so. */
function manualTurns(): { defer: Defer; endTurn: () => void } {
  let tasks: Array<() => void> = []
  return {
    defer: (task) => void tasks.push(task),
    endTurn: () => {
      const due = tasks
      tasks = []
      for (const task of due) task()
    },
  }
}

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values)
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5))

describe('coalescingStream', () => {
  it('sends the small writes of one turn as one write, when the turn ends', async () => {
    const inner = recorder()
    const turns = manualTurns()
    const stream = coalescingStream(inner, turns.defer)
    for (let i = 0; i < 10; i++) await stream.write(bytes(i))
    await settle()
    expect(inner.writes).toEqual([])
    turns.endTurn()
    await settle()
    expect(inner.writes).toEqual([bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)])
  })

  it('lets the buffer go at once before a large chunk, and keeps the order', async () => {
    const inner = recorder()
    const turns = manualTurns()
    const stream = coalescingStream(inner, turns.defer)
    await stream.write(bytes(1))
    const large = new Uint8Array(COALESCE_MAX_COPY_BYTES)
    await stream.write(large)
    await stream.write(bytes(2))
    await settle()
    expect(inner.writes).toEqual([bytes(1), large])
    await stream.flush()
    expect(inner.writes).toEqual([bytes(1), large, bytes(2)])
  })

  it('holds writers back once the buffer is full, until it has gone down', async () => {
    const inner = recorder()
    const turns = manualTurns()
    const stream = coalescingStream(inner, turns.defer, 4)
    await stream.write(bytes(1, 2))
    let done = false
    const full = stream.write(bytes(3, 4)).then(() => (done = true))
    await full
    expect(done).toBe(true)
    expect(inner.writes).toEqual([bytes(1, 2, 3, 4)])
  })

  it('copies what it buffers, so a producer may reuse its view', async () => {
    const inner = recorder()
    const stream = coalescingStream(inner, manualTurns().defer)
    const reused = bytes(7)
    await stream.write(reused)
    reused[0] = 8
    await stream.flush()
    expect(inner.writes).toEqual([bytes(7)])
  })
  it('lets large chunks go ahead of their acceptance up to the write-behind bound', async () => {
    const accepted: Array<() => void> = []
    const inner = { ...recorder(), write: () => new Promise<void>((resolve) => accepted.push(resolve)) }
    const stream = coalescingStream(inner, manualTurns().defer)
    const chunk = new Uint8Array(COALESCE_WRITE_BEHIND_BYTES / 2)
    await stream.write(chunk)
    await stream.write(chunk)
    let third = false
    const waiting = stream.write(chunk).then(() => (third = true))
    await settle()
    expect(third).toBe(false)
    while (!third) {
      accepted.shift()?.()
      await settle()
    }
    await waiting
  })
})

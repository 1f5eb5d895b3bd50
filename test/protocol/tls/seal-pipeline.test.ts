import { describe, expect, it } from 'vitest'
import { SealPipeline } from '../../../src/protocol/tls/seal-pipeline'

/** A seal that finishes when told to, recording when it began. */
function deferredSeal(log: string[], name: string) {
  let finish: (bytes: Uint8Array | null) => void = () => {}
  let fail: (err: Error) => void = () => {}
  const seal = () => {
    log.push(`begin ${name}`)
    return new Promise<Uint8Array | null>((resolve, reject) => {
      finish = resolve
      fail = reject
    })
  }
  return { seal, finish: (b: Uint8Array | null) => finish(b), fail: (e: Error) => fail(e) }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('SealPipeline', () => {
  it('begins seals in push order, at most `slots` at once, and writes in push order', async () => {
    const log: string[] = []
    const pipeline = new SealPipeline(async (bytes) => void log.push(`write ${bytes[0]}`), 2)
    const [a, b, c] = ['a', 'b', 'c'].map((n) => deferredSeal(log, n)) as [
      ReturnType<typeof deferredSeal>,
      ReturnType<typeof deferredSeal>,
      ReturnType<typeof deferredSeal>,
    ]
    const done = [pipeline.push(a.seal), pipeline.push(b.seal), pipeline.push(c.seal)]
    await tick()
    expect(log).toEqual(['begin a', 'begin b']) // two slots
    b.finish(new Uint8Array([2]))
    await tick()
    expect(log).toEqual(['begin a', 'begin b', 'begin c']) // b's slot freed; nothing written before a
    c.finish(new Uint8Array([3]))
    a.finish(new Uint8Array([1]))
    await Promise.all(done)
    expect(log.slice(3)).toEqual(['write 1', 'write 2', 'write 3'])
  })

  it('writes nothing for a seal that yields null', async () => {
    const written: Uint8Array[] = []
    const pipeline = new SealPipeline(async (bytes) => void written.push(bytes), 1)
    await pipeline.push(async () => null)
    expect(written).toEqual([])
  })

  it('fails every later batch after a failed one, and writes none of them', async () => {
    const log: string[] = []
    const pipeline = new SealPipeline(async (bytes) => void log.push(`write ${bytes[0]}`), 3)
    const a = deferredSeal(log, 'a')
    const pa = pipeline.push(a.seal)
    const pb = pipeline.push(async () => new Uint8Array([2]))
    await tick()
    a.fail(new Error('bad key'))
    await expect(pa).rejects.toThrow('bad key')
    await expect(pb).rejects.toThrow('bad key')
    expect(log).toEqual(['begin a'])
  })

  it('fails every later batch after a failed transport write', async () => {
    const pipeline = new SealPipeline(async () => {
      throw new Error('transport closed')
    }, 2)
    const pa = pipeline.push(async () => new Uint8Array([1]))
    const pb = pipeline.push(async () => new Uint8Array([2]))
    await expect(pa).rejects.toThrow('transport closed')
    await expect(pb).rejects.toThrow('transport closed')
  })
})

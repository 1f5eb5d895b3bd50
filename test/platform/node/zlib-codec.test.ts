/** The Node zlib codec: the same streams whether a call runs on the calling thread or the pool. */
import { describe, expect, it } from 'vitest'
import { nodeZlibCodec, SYNC_ZLIB_MAX_BYTES } from '../../../src/platform/node/zlib-codec'

const text = (bytes: number): Uint8Array =>
  new TextEncoder().encode('{"type":"directory.get"}\n'.repeat(Math.ceil(bytes / 25)).slice(0, bytes))

describe('nodeZlibCodec', () => {
  for (const [label, bytes] of [
    ['small (calling thread)', 5_000],
    ['large (thread pool)', SYNC_ZLIB_MAX_BYTES * 4],
  ] as const) {
    it(`round-trips ${label} input`, async () => {
      const data = text(bytes)
      const deflated = await nodeZlibCodec.deflate(data)
      expect(deflated.byteLength).toBeLessThan(bytes / 10)
      expect(await nodeZlibCodec.inflate(deflated, bytes)).toEqual(data)
    })

    it(`refuses to inflate ${label} input past the bound`, async () => {
      const bomb = await nodeZlibCodec.deflate(text(bytes))
      await expect(nodeZlibCodec.inflate(bomb, bytes - 1)).rejects.toThrow()
    })
  }
})

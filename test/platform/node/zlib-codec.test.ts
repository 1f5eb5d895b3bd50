/** The Node zlib codec: the same streams whether a call runs on the calling thread or the pool. */
import { randomBytes } from 'node:crypto'
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { nodeZlibCodec, SYNC_ZLIB_MAX_BYTES } from '../../../src/platform/node/zlib-codec'

const text = (bytes: number): Uint8Array =>
  new TextEncoder().encode('{"type":"directory.get"}\n'.repeat(Math.ceil(bytes / 25)).slice(0, bytes))

describe('nodeZlibCodec', () => {
  for (const [label, bytes] of [
    ['small (calling thread)', 5_000],
    ['large (thread pool)', SYNC_ZLIB_MAX_BYTES * 4],
  ] as const) {
    it(`round-trips ${label} input, deflated or stored`, async () => {
      const data = text(bytes)
      const deflated = await nodeZlibCodec.deflate(data)
      expect(deflated.byteLength).toBeLessThan(bytes / 10)
      expect(await nodeZlibCodec.inflate(deflated, bytes)).toEqual(data)
      const noise = new Uint8Array(randomBytes(bytes))
      const stored = await nodeZlibCodec.store!(noise)
      // RFC 1951 stored blocks (BTYPE 00 in the first block's header, after the 2-byte zlib
      // header), 5 bytes of header each, which any inflater reads.
      expect((stored[2]! >> 1) & 3).toBe(0)
      expect(stored.byteLength).toBeLessThan(bytes * 1.001 + 16)
      expect(new Uint8Array(inflateSync(stored))).toEqual(noise)
      expect(stored).toBeInstanceOf(Uint8Array)
      expect(Buffer.isBuffer(stored)).toBe(false)
    })

    it(`refuses to inflate ${label} input past the bound`, async () => {
      const bomb = await nodeZlibCodec.deflate(text(bytes))
      await expect(nodeZlibCodec.inflate(bomb, bytes - 1)).rejects.toThrow()
    })
  }
})

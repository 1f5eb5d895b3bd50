import { describe, expect, it } from 'vitest'
import { hashStream } from '../../src/protocol/directory/hasher'
import { createWasmHasher } from '../../src/platform/browser/wasm-hasher'

const utf8 = new TextEncoder()

async function* pieces(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size)
}

describe('createWasmHasher', () => {
  // FIPS 180-2 appendix B vectors.
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
  ])('hashes %j', async (input, digest) => {
    expect((await hashStream(pieces(utf8.encode(input), 7), createWasmHasher)).sha256).toBe(digest)
  })

  it('hashes a million a, fed in uneven pieces', async () => {
    const result = await hashStream(pieces(new Uint8Array(1_000_000).fill(0x61), 65_537), createWasmHasher)
    expect(result).toEqual({
      sha256: 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
      size: 1_000_000,
    })
  })

  it('reuses a spent instance for the next hasher, and refuses a spent hasher', async () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    const first = await createWasmHasher()
    first.update(utf8.encode('ab'))
    const second = await createWasmHasher() // while the first is still hashing
    second.update(utf8.encode('x'))
    first.update(utf8.encode('c'))
    expect(first.digestHex()).toBe(abc)
    expect(() => first.update(utf8.encode('more'))).toThrow(/after its digest/)
    expect(() => first.digestHex()).toThrow(/after its digest/)
    const third = await createWasmHasher() // the first's instance, reset
    third.update(utf8.encode('abc'))
    expect(second.digestHex()).toBe('2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881')
    expect(third.digestHex()).toBe(abc)
  })
})

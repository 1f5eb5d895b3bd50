import { describe, expect, it } from 'vitest'
import { NotClearSkiesError, routeIdOf } from '../../bridge/client-hello'
import { createMemoryPipe } from '../../src/protocol/stream/memory-pipe'
import { connectTls } from '../../src/protocol/tls'

const ID = 'ab'.repeat(32)

/** The first bytes a real TLS-SRP client sends for `username`. */
async function clientHelloFor(username: string): Promise<Uint8Array> {
  const [ours, theirs] = createMemoryPipe()
  void connectTls(ours, { username, password: '00' }).catch(() => undefined)
  const first = await theirs.read()
  theirs.close()
  if (!first) throw new Error('no ClientHello')
  return first
}

describe('routing by the ClientHello', () => {
  it('reads the ID from the SRP username, however the record arrives split', async () => {
    const hello = await clientHelloFor(`clearskies:1:${ID.toUpperCase()}`)
    for (let at = 0; at < hello.length; at++) expect(routeIdOf(hello.subarray(0, at))).toBeUndefined()
    expect(routeIdOf(hello)).toBe(ID)
    // Bytes after the first record (the client's next flight) do not matter.
    expect(routeIdOf(new Uint8Array([...hello, 22, 3, 3]))).toBe(ID)
  })

  it.each([
    ['an HTTP request', new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n')],
    ['a record that is not TLS', new Uint8Array([22, 9, 9, 0, 4, 1, 0, 0, 0])],
    ['a record longer than TLS allows', new Uint8Array([22, 3, 3, 0x48, 0x01])],
    ['a handshake that is not a ClientHello', new Uint8Array([22, 3, 3, 0, 4, 2, 0, 0, 0])],
    ['a ClientHello whose length disagrees with its record', new Uint8Array([22, 3, 3, 0, 4, 1, 0, 0, 9])],
  ])('refuses %s', (_name, bytes) => {
    expect(() => routeIdOf(bytes)).toThrow(NotClearSkiesError)
  })

  it.each([
    ['not clearskies', 'someone'],
    ['a short ID', `clearskies:1:${'ab'.repeat(16)}`],
    ['another version', `clearskies:2:${ID}`],
  ])('refuses a username that is %s', async (_name, username) => {
    const hello = await clientHelloFor(username)
    expect(() => routeIdOf(hello)).toThrow(/is not clearskies:1:<ID>/)
  })
})

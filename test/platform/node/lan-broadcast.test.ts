import { describe, expect, it } from 'vitest'
import { encodeLanBroadcast, parseLanBroadcast } from '../../../src/platform/node/lan-broadcast'

const ID = 'adf6447b553841835aaa712219e01f10486fd1003b1324e94de59f5646b060f3'
const PEER = '2a3728dca353324de4d6bfbebf2128d9'
const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))

describe('LAN broadcast payload (core.md)', () => {
  it("reads core.md's example and what we send", () => {
    const example = text({ name: 'ClearSkiesBroadcast', version: 1, id: ID, peer: PEER, myport: 40121 })
    expect(parseLanBroadcast(example, '192.168.1.5')).toEqual({
      id: ID,
      peerId: PEER,
      address: 'tcp:192.168.1.5:40121',
    })
    expect(parseLanBroadcast(encodeLanBroadcast(ID, PEER, 49211), 'fe80::1')).toEqual({
      id: ID,
      peerId: PEER,
      address: 'tcp:[fe80::1]:49211',
    })
  })

  it.each([
    ['another name', { name: 'Other', version: 1, id: ID, peer: PEER, myport: 1 }],
    ['another version', { name: 'ClearSkiesBroadcast', version: 2, id: ID, peer: PEER, myport: 1 }],
    ['a short id', { name: 'ClearSkiesBroadcast', version: 1, id: 'abc', peer: PEER, myport: 1 }],
    ['a bad peer', { name: 'ClearSkiesBroadcast', version: 1, id: ID, peer: 'zz', myport: 1 }],
    ['port 0', { name: 'ClearSkiesBroadcast', version: 1, id: ID, peer: PEER, myport: 0 }],
    ['a port too large', { name: 'ClearSkiesBroadcast', version: 1, id: ID, peer: PEER, myport: 70000 }],
    ['a string port', { name: 'ClearSkiesBroadcast', version: 1, id: ID, peer: PEER, myport: '1' }],
    ['not an object', [1, 2]],
  ])('ignores %s', (_, value) => {
    expect(parseLanBroadcast(text(value), '10.0.0.1')).toBeUndefined()
  })

  it('ignores what is not JSON, not UTF-8, or too large', () => {
    expect(parseLanBroadcast(new Uint8Array([0xff, 0xfe]), '10.0.0.1')).toBeUndefined()
    expect(parseLanBroadcast(new TextEncoder().encode('{"name":'), '10.0.0.1')).toBeUndefined()
    expect(parseLanBroadcast(new Uint8Array(2000).fill(0x20), '10.0.0.1')).toBeUndefined()
  })
})

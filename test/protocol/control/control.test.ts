import { describe, expect, it } from 'vitest'
import { EXT, parseControlCommand } from '../../../src/protocol/control/commands'
import { PeerAddressError } from '../../../src/protocol/tracker/addresses'
import { ControlLineDecoder, MAX_CONTROL_LINE_BYTES } from '../../../src/protocol/control/line-codec'
import { ControlClient, serveControl, type ControlHandler } from '../../../src/protocol/control/session'
import { createMemoryPipe } from '../../../src/protocol/stream/memory-pipe'
import type { JsonObject } from '../../../src/protocol/wire/json-value'

describe('control.md commands parse', () => {
  it.each([
    [
      { type: 'create_share', path: '/home/catfat/Documents' },
      { type: 'create_share', path: '/home/catfat/Documents' },
    ],
    [
      { type: 'add_share', code: 'SYNC123ABC', path: '/home/fatcat/From Dave' },
      { type: 'add_share', code: 'SYNC123ABC', path: '/home/fatcat/From Dave', peers: [] },
    ],
    [
      { type: 'remove_share', path: '/home/fatcat/From Dave' },
      { type: 'remove_share', path: '/home/fatcat/From Dave' },
    ],
    [
      { type: 'create_access_code', mode: 'read_write', path: '/home/fatcat/From Dave' },
      { type: 'create_access_code', mode: 'read_write', path: '/home/fatcat/From Dave', multiUse: false },
    ],
    [{ type: 'get_config' }, { type: 'get_config' }],
    [
      { type: 'set_config', config: { upload_limit: 123, use_dht: true } },
      { type: 'set_config', config: { upload_limit: 123, use_dht: true } },
    ],
    [
      { type: 'get_config_value', key: 'upload_limit' },
      { type: 'get_config_value', key: 'upload_limit' },
    ],
    [
      { type: 'set_config_value', key: 'upload_limit', value: 456 },
      { type: 'set_config_value', key: 'upload_limit', value: 456 },
    ],
    [{ type: 'status' }, { type: 'status' }],
    [{ type: 'pause', extra: 'ignored' }, { type: 'pause' }],
  ])('%j', (request, command) => {
    expect(parseControlCommand(request)).toEqual(command)
  })

  it.each([
    [{ type: 'frobnicate' }, /unknown command "frobnicate"/],
    [{ path: '/x' }, /no "type"/],
    [[1, 2], /JSON object/],
    [{ type: 'create_share' }, /field "path" must be a string, got missing/],
    [{ type: 'create_access_code', path: '/x', mode: 'untrusted' }, /must be read_write or read_only/],
  ])('answers not_understood to %j', (request, message) => {
    expect(() => parseControlCommand(request)).toThrow(message)
  })
})

describe('add_peer addresses', () => {
  const addPeer = (address: string) => ({ type: `${EXT}.add_peer`, path: '/s', address })

  it.each([
    ['tcp:192.168.1.5:49200', { host: '192.168.1.5', port: 49200 }],
    ['tcp:example.org:1', { host: 'example.org', port: 1 }],
    ['tcp:[2001:db8::1]:65535', { host: '2001:db8::1', port: 65535 }],
  ])('accepts %s', (address, parsed) => {
    expect(parseControlCommand(addPeer(address))).toEqual({ ...addPeer(address), address: parsed })
  })

  it.each([
    'tcp:example.org',
    '192.168.1.5:99999',
    'tcp:192.168.1.5:99999',
    'tcp:192.168.1.5:0',
    'tcp:2001:db8::1:5',
    'hello',
    'webrtc:0123abcd',
    'utp:192.168.1.5:49200',
  ])('refuses %s, naming it and the expected form', (address) => {
    expect(() => parseControlCommand(addPeer(address))).toThrow(
      new PeerAddressError(
        `"${address}" is not a peer address: expected tcp:HOST:PORT (an IPv6 host in brackets, port 1-65535)`,
      ),
    )
  })
})

describe('add_share peers', () => {
  const addShare = (peers: string[]) => ({ type: 'add_share', code: 'c', path: '/s', peers })

  it('keeps addresses the daemon can dial, written as it writes them', () => {
    expect(parseControlCommand(addShare(['tcp:192.168.1.5:49200', 'tcp:[2001:db8::1]:7']))).toEqual(
      addShare(['tcp:192.168.1.5:49200', 'tcp:[2001:db8::1]:7']),
    )
    expect(parseControlCommand({ type: 'add_share', code: 'c', path: '/s' })).toEqual(addShare([]))
  })

  it('refuses the share when one address cannot be dialled, naming it', () => {
    expect(() => parseControlCommand(addShare(['tcp:192.168.1.5:49200', 'tcp:example.org']))).toThrow(
      new PeerAddressError(
        `"tcp:example.org" is not a peer address: expected tcp:HOST:PORT (an IPv6 host in brackets, port 1-65535)`,
      ),
    )
  })
})

describe('line codec', () => {
  it('splits lines across chunks and reports bad lines without stopping', () => {
    const d = new ControlLineDecoder()
    const enc = new TextEncoder()
    expect(d.push(enc.encode('{"type":"sta'))).toEqual([])
    expect(d.push(enc.encode('tus"}\nnot json\n\n{"a":"line\\nbreak"}\n'))).toEqual([
      { ok: true, value: { type: 'status' } },
      { ok: false, error: expect.stringContaining('not JSON') },
      { ok: true, value: { a: 'line\nbreak' } },
    ])
    expect(d.push(new Uint8Array([0xff, 0x0a]))).toEqual([
      { ok: false, error: 'the line is not valid UTF-8' },
    ])
  })

  it('refuses an endless line, after the lines before it', () => {
    const d = new ControlLineDecoder()
    const bytes = new Uint8Array(2 * 1024 * 1024).fill(0x20)
    bytes.set(new TextEncoder().encode('{}\n'))
    const tooLong = { ok: false, error: 'control line longer than 1048576 bytes', tooLong: true }
    expect(d.push(bytes)).toEqual([{ ok: true, value: {} }, tooLong])
    expect(d.push(new TextEncoder().encode('{}\n'))).toEqual([])
  })

  it('refuses a complete line over the bound, even when its newline came in the same chunk', () => {
    const d = new ControlLineDecoder()
    const line = new Uint8Array(MAX_CONTROL_LINE_BYTES + 2).fill(0x20)
    line[line.length - 1] = 0x0a
    expect(d.push(line.subarray(0, 1000))).toEqual([])
    expect(d.push(line.subarray(1000))).toEqual([expect.objectContaining({ tooLong: true })])
    const atBound = new Uint8Array(MAX_CONTROL_LINE_BYTES + 1).fill(0x20)
    atBound[MAX_CONTROL_LINE_BYTES] = 0x0a
    expect(new ControlLineDecoder().push(atBound)).toEqual([])
  })
})

describe('server and client', () => {
  it('greets, answers pipelined requests in order, and reports errors as control.md does', async () => {
    const [serverSide, clientSide] = createMemoryPipe()
    const handler: ControlHandler = async (command): Promise<JsonObject> => {
      if (command.type === 'status') {
        await new Promise((r) => setTimeout(r, 20)) // a slow answer must not overtake
        return { paused: false, tracking: true, nat_punctured: false, upload_rate: 0, download_rate: 0 }
      }
      if (command.type === 'create_share')
        throw Object.assign(new Error(`Permission denied to '${command.path}'`), { code: 'EPERM' })
      return {}
    }
    const served = serveControl(serverSide, 'clearskies-test 1', handler)
    const client = await ControlClient.connect(clientSide)
    expect(client.handshake).toEqual({
      service: 'ClearSkies Control',
      software: 'clearskies-test 1',
      protocol: 1,
    })
    const answers = await Promise.allSettled([
      client.request({ type: 'status' }),
      client.request({ type: 'pause' }),
      client.request({ type: 'create_share', path: '/home/catfat/Documents' }),
      client.request({ type: 'nonsense' }),
    ])
    expect(answers[0]).toEqual({
      status: 'fulfilled',
      value: { paused: false, tracking: true, nat_punctured: false, upload_rate: 0, download_rate: 0 },
    })
    expect(answers[1]).toEqual({ status: 'fulfilled', value: {} })
    expect(answers[2]).toMatchObject({
      status: 'rejected',
      reason: { error: 'EPERM', message: "Permission denied to '/home/catfat/Documents'" },
    })
    expect(answers[3]).toMatchObject({ status: 'rejected', reason: { error: 'not_understood' } })
    client.close()
    await served
  })

  it('settles quietly when the client hangs up before the handshake is written (a liveness probe)', async () => {
    const [serverSide, clientSide] = createMemoryPipe()
    clientSide.close()
    await expect(serveControl(serverSide, 'clearskies-test 1', async () => ({}))).resolves.toBeUndefined()
  })
})

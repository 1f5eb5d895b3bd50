import { describe, expect, it } from 'vitest'
import {
  CoreSession,
  PING_GRACE_MS,
  SessionState,
  type SessionAction,
  type SessionConfig,
} from '../../../src/protocol/core/session'
import {
  parseGreeting,
  parseKeys,
  parsePing,
  parseStart,
  type Keys,
} from '../../../src/protocol/core/messages'
import type { JsonObject } from '../../../src/protocol/wire/json-value'

const A = '77b8065588ec32f95f598e93db6672ac'
const B = '6f5902ac237024bdd0c176cb93063dc4'
const KEY_ID = 'ae3d2bc89735c918f6d4a3f082924924e903f204eba949529140c41bfc8f711e'
const KEY = 'b699049ce1f453628117e8ba6ee75f42b699049ce1f453628117e8ba6ee75f42'

const KEYS: Keys = {
  accessLevel: 'read_only',
  keys: [
    { accessLevel: 'read_only', id: KEY_ID, key: KEY, privateRsa: '-----BEGIN RSA PRIVATE KEY-----\n…\n' },
    { accessLevel: 'read_write', publicRsa: '-----BEGIN RSA PUBLIC KEY-----\n…\n' },
  ],
}

function config(
  role: 'server' | 'client',
  peerId: string,
  extra: Partial<SessionConfig> = {},
): SessionConfig {
  return {
    role,
    software: 'clearskies-test',
    peerId,
    extensions: ['database', 'directory', 'gzip'],
    requiredExtensions: ['database', 'directory'],
    keyExchange: 'none',
    ...extra,
  }
}

/** Runs two sessions against each other in process, returning every action each produced. */
function converse(server: CoreSession, client: CoreSession, now = 0) {
  const log = { server: [] as SessionAction[], client: [] as SessionAction[] }
  const queue: Array<{ to: 'server' | 'client'; body: JsonObject }> = []
  const take = (who: 'server' | 'client', actions: SessionAction[]) => {
    for (const a of actions) {
      log[who].push(a)
      if (a.type === 'send') queue.push({ to: who === 'server' ? 'client' : 'server', body: a.body })
      if (a.type === 'keys-received') queue.push({ to: who, body: { type: '__stored' } })
    }
  }
  take('server', server.begin())
  take('client', client.begin())
  for (let i = 0; i < 100 && queue.length > 0; i++) {
    const next = queue.shift()!
    const session = next.to === 'server' ? server : client
    take(next.to, next.body.type === '__stored' ? session.keysStored(now) : session.receive(next.body, now))
  }
  return log
}

const types = (actions: SessionAction[]) =>
  actions.map((a) => (a.type === 'send' ? `send:${a.body.type as string}` : a.type))

describe('core.md examples parse to what they show', () => {
  it('greeting, start, keys, ping', () => {
    expect(
      parseGreeting({
        type: 'core.greeting',
        software: 'bitbox 0.1',
        name: "Jaren's Laptop",
        protocol: [1],
        extensions: ['gzip', 'rsync'],
        peer: '77b8065588ec32f95f598e93db6672ac',
      }),
    ).toEqual({
      software: 'bitbox 0.1',
      name: "Jaren's Laptop",
      protocol: [1],
      extensions: ['gzip', 'rsync'],
      peer: A,
    })
    expect(
      parseStart({
        type: 'core.start',
        software: 'beetlebox 0.3.7',
        protocol: 1,
        extensions: ['gzip'],
        peer: B,
        name: "Jaren's Desktop",
      }),
    ).toEqual({
      software: 'beetlebox 0.3.7',
      protocol: 1,
      extensions: ['gzip'],
      peer: B,
      name: "Jaren's Desktop",
    })
    const keys = parseKeys({
      type: 'core.keys',
      access_level: 'read_only',
      keys: [
        {
          access_level: 'read_only',
          id: KEY_ID,
          key: KEY,
          private_rsa: '-----BEGIN RSA PRIVATE KEY-----\nMIIJKAIBAAKCAgEA4Zu1XDLoHf...TE KEY-----\n',
        },
        {
          access_level: 'read_write',
          public_rsa: '-----BEGIN RSA PUBLIC KEY-----\nMIIBgjAcBgoqhkiG9w0BDAEDMA4E...',
        },
      ],
    })
    expect(keys.accessLevel).toBe('read_only')
    expect(keys.keys[0]).toMatchObject({ accessLevel: 'read_only', id: KEY_ID, key: KEY })
    expect(keys.keys[1]?.publicRsa).toContain('RSA PUBLIC KEY')
    expect(parsePing({ type: 'core.ping', timeout: 60 })).toEqual({ timeoutS: 60 })
  })

  it.each([
    [{ type: 'core.greeting', protocol: [1], peer: 'not-hex' }, /field "peer" must match/],
    [{ type: 'core.greeting', protocol: 1, peer: A }, /field "protocol" must be an array/],
    [{ type: 'core.ping', timeout: -1 }, /field "timeout" must be within/],
    [{ type: 'core.ping', timeout: 10 ** 9 }, /field "timeout" must be within/],
    [{ type: 'core.keys', access_level: 'admin', keys: [] }, /field "access_level" must be one of/],
    [
      {
        type: 'core.keys',
        access_level: 'read_only',
        keys: [{ access_level: 'read_write', public_rsa: 'x' }],
      },
      /no id and key for the granted access level/,
    ],
    [
      { type: 'core.keys', access_level: 'read_only', keys: [{ access_level: 'read_only', id: KEY_ID }] },
      /must come together/,
    ],
  ])('rejects malformed %j', (body, message) => {
    const parse = { 'core.greeting': parseGreeting, 'core.ping': parsePing, 'core.keys': parseKeys }[
      body.type as 'core.ping'
    ]
    expect(() => parse(body as JsonObject)).toThrow(message)
  })
})

describe('handshake', () => {
  it('negotiates version and the common extensions, then both sides open and ping', () => {
    const server = new CoreSession(config('server', A), 0)
    const client = new CoreSession(config('client', B, { extensions: ['database', 'directory'] }), 0)
    const log = converse(server, client)
    expect(types(log.server)).toEqual(['send:core.greeting', 'open', 'send:core.ping'])
    expect(types(log.client)).toEqual(['send:core.start', 'open', 'send:core.ping'])
    expect(client.remotePeer).toMatchObject({ peerId: A, protocol: 1, extensions: ['database', 'directory'] })
    expect(server.remotePeer).toMatchObject({ peerId: B, extensions: ['database', 'directory'] })
    expect(server.state).toBe(SessionState.Open)
  })

  it('turns gzip on right after core.start in both directions when both offer it', () => {
    const log = converse(new CoreSession(config('server', A), 0), new CoreSession(config('client', B), 0))
    expect(types(log.client)).toEqual(['send:core.start', 'compress', 'open', 'send:core.ping'])
    expect(types(log.server)).toEqual(['send:core.greeting', 'compress', 'open', 'send:core.ping'])
  })

  it('drops a loopback connection to our own peer ID', () => {
    const log = converse(new CoreSession(config('server', A), 0), new CoreSession(config('client', A), 0))
    expect(log.client.at(-1)).toMatchObject({ type: 'close', code: 'loopback' })
  })

  it('closes when no protocol version is shared', () => {
    const client = new CoreSession(config('client', B), 0)
    const actions = client.receive(
      { type: 'core.greeting', protocol: [2, 3], extensions: ['database', 'directory'], peer: A },
      0,
    )
    expect(actions).toEqual([
      { type: 'close', code: 'no-common-version', reason: expect.stringMatching(/peer speaks 2, 3/) },
    ])
  })

  it('closes when the peer lacks a required extension', () => {
    const client = new CoreSession(config('client', B), 0)
    const actions = client.receive(
      { type: 'core.greeting', protocol: [1], extensions: ['gzip', 'rsync'], peer: A },
      0,
    )
    expect(actions[0]).toMatchObject({
      type: 'close',
      code: 'missing-extension',
      reason: expect.stringContaining('database, directory'),
    })
  })

  it('refuses a start that picks an extension the server did not offer', () => {
    const server = new CoreSession(config('server', A, { extensions: ['database', 'directory'] }), 0)
    server.begin()
    const actions = server.receive(
      { type: 'core.start', protocol: 1, extensions: ['database', 'directory', 'gzip'], peer: B },
      0,
    )
    expect(actions[0]).toMatchObject({ type: 'close', code: 'protocol' })
  })

  it('ignores unknown keys and delivers unknown message types once open', () => {
    const server = new CoreSession(config('server', A), 0)
    server.begin()
    server.receive(
      { type: 'core.start', protocol: 1, extensions: ['database', 'directory'], peer: B, future: { x: 1 } },
      0,
    )
    expect(server.receive({ type: '.com.example.thing', n: 1 }, 1)).toEqual([
      { type: 'deliver', body: { type: '.com.example.thing', n: 1 } },
    ])
  })
})

describe('key exchange', () => {
  it.each(['server', 'client'] as const)(
    'the code creator as %s sends keys; the joiner stores them, acknowledges, and only then opens',
    (creatorRole) => {
      const creatorIsServer = creatorRole === 'server'
      const server = new CoreSession(
        config('server', A, { keyExchange: creatorIsServer ? 'send' : 'receive', keysToSend: () => KEYS }),
        0,
      )
      const client = new CoreSession(
        config('client', B, { keyExchange: creatorIsServer ? 'receive' : 'send', keysToSend: () => KEYS }),
        0,
      )
      const log = converse(server, client)
      const creator = creatorIsServer ? log.server : log.client
      const joiner = creatorIsServer ? log.client : log.server
      expect(types(creator)).toContain('send:core.keys')
      expect(types(creator)).toContain('keys-acknowledged')
      const received = joiner.find((a) => a.type === 'keys-received')
      expect(received).toEqual({ type: 'keys-received', keys: KEYS })
      expect(types(joiner).indexOf('send:core.keys_acknowledgment')).toBeLessThan(
        types(joiner).indexOf('open'),
      )
    },
  )

  it('does not act on other messages before the keys arrive', () => {
    const client = new CoreSession(config('client', B, { keyExchange: 'receive' }), 0)
    client.receive(
      { type: 'core.greeting', protocol: [1], extensions: ['database', 'directory'], peer: A },
      0,
    )
    expect(client.receive({ type: 'database.get_updates', since: {} }, 0)).toEqual([
      { type: 'log', message: 'ignored "database.get_updates" before core.keys' },
    ])
    expect(client.state).toBe(SessionState.AwaitingKeys)
  })
})

describe('keep-alive', () => {
  function openPair() {
    const server = new CoreSession(config('server', A, { pingTimeoutS: 30 }), 0)
    const client = new CoreSession(config('client', B, { pingTimeoutS: 30 }), 0)
    converse(server, client)
    return { server, client }
  }

  it('pings every half timeout', () => {
    const { server } = openPair()
    expect(server.tick(10_000)).toEqual([])
    expect(server.tick(15_000)).toEqual([{ type: 'send', body: { type: 'core.ping', timeout: 30 } }])
  })

  it("adopts the peer's timeout when it is greater", () => {
    const { server } = openPair()
    server.receive({ type: 'core.ping', timeout: 120 }, 1_000)
    expect(server.tick(59_000)).toEqual([])
    expect(server.tick(61_000)).toEqual([{ type: 'send', body: { type: 'core.ping', timeout: 120 } }])
  })

  it('drops a peer that says nothing for longer than the timeout and the grace', () => {
    const { server } = openPair()
    server.receive({ type: 'core.ping', timeout: 30 }, 0)
    expect(server.tick(30_000 + PING_GRACE_MS).some((a) => a.type === 'close')).toBe(false)
    server.heard(40_000) // a payload chunk counts as life
    expect(server.tick(40_000 + 30_000 + PING_GRACE_MS + 1)).toContainEqual(
      expect.objectContaining({ type: 'close', code: 'timeout' }),
    )
    expect(server.state).toBe(SessionState.Closed)
  })

  it('closes on a malformed ping instead of throwing', () => {
    const { server } = openPair()
    expect(server.receive({ type: 'core.ping', timeout: 'soon' }, 0)).toEqual([
      { type: 'close', code: 'bad-message', reason: expect.stringContaining('field "timeout"') },
    ])
  })
})

/**
 * Interop with OpenSSL's libssl (driven through libssl_srp.py): our client against libssl as an
 * SRP server, our server against libssl as an SRP client, both suites, with and without
 * encrypt-then-MAC, ClearSkies usernames, wrong passwords and unknown users.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectTcp } from '../../../src/platform/node/tcp-stream'
import { CIPHER_SUITES } from '../../../src/protocol/tls/constants'
import { TlsAlertReceivedError, connectTls } from '../../../src/protocol/tls/index'
import {
  badCredentials,
  caseName,
  clearskiesUsername,
  echoThrough,
  expectServed,
  randomData,
  requireInteropTools,
  runLibsslClient,
  serverFor,
  secretWithZeroLedSalt,
  sharePassword,
  startLibsslServer,
  startOurEchoServer,
  SUITE_CASES,
  TempDir,
} from './interop-tools'

const MIB = 1024 * 1024
/** libssl_srp.py echoes in 16 KiB lock steps; a loaded machine makes that slow. */
const MIB_CASE_TIMEOUT_MS = 90_000
const BOTH_SUITES = 'SRP-AES-256-CBC-SHA:SRP-AES-128-CBC-SHA'
const user = clearskiesUsername()
const password = sharePassword()
let dir: TempDir

beforeAll(() => {
  requireInteropTools()
  dir = new TempDir()
})
afterAll(() => dir?.remove())

describe('our client against libssl as SRP server', () => {
  for (const c of SUITE_CASES) {
    it(
      `${caseName(c)}: 1 MiB echoed byte for byte`,
      async () => {
        const server = await startLibsslServer({
          user,
          password,
          ciphers: c.openssl,
          etm: c.etm,
          connections: 1,
        })
        try {
          const session = await connectTls(await connectTcp('127.0.0.1', server.port), {
            username: user,
            password,
            encryptThenMac: true,
            cipherSuites: CIPHER_SUITES,
            recordCrypto: c.records,
          })
          expect(session.parameters).toMatchObject({
            encryptThenMac: c.etm,
            extendedMasterSecret: true,
            groupBits: 2048,
          })
          expect(session.parameters.suite.name).toBe(c.name)
          expect((await server.events.next()).value).toEqual({ handshake: c.openssl })
          const data = randomData(MIB)
          expect(Buffer.compare(await echoThrough(session, data), data)).toBe(0)
          await session.stream.end()
          expect(await session.stream.read()).toBeNull()
        } finally {
          await server.stop()
        }
      },
      MIB_CASE_TIMEOUT_MS,
    )
  }

  for (const [what, username, pass] of badCredentials(user, password)) {
    it(`fails with an alert on both sides for ${what}`, async () => {
      const server = await startLibsslServer({
        user,
        password,
        ciphers: BOTH_SUITES,
        etm: true,
        connections: 1,
      })
      try {
        const failure = await connectTls(await connectTcp('127.0.0.1', server.port), {
          username,
          password: pass,
        }).catch((e: unknown) => e)
        expect(failure).toBeInstanceOf(TlsAlertReceivedError)
        expect((failure as TlsAlertReceivedError).description).toBe(20) // bad_record_mac
        const event = (await server.events.next()).value
        expect(event).toHaveProperty('error')
        expect(JSON.stringify(event)).toMatch(/bad record mac/)
      } finally {
        await server.stop()
      }
    })
  }
})

describe('our server against libssl as SRP client', () => {
  it('completes the handshake when the salt would have started with a zero byte', async () => {
    const server = await startOurEchoServer({
      ...serverFor(user, password),
      secret: await secretWithZeroLedSalt(user),
    })
    try {
      const data = randomData(64 * 1024)
      const result = await runLibsslClient(dir, {
        port: server.port,
        user,
        password,
        ciphers: 'SRP-AES-128-CBC-SHA',
        etm: true,
        data,
      })
      expect(result).toEqual({ handshake: 'SRP-AES-128-CBC-SHA', echoed: data.length, identical: true })
    } finally {
      await server.close()
    }
  })

  for (const c of SUITE_CASES) {
    it(
      `${caseName(c)}: 1 MiB echoed byte for byte`,
      async () => {
        const server = await startOurEchoServer(serverFor(user, password, c.records))
        try {
          const data = randomData(MIB)
          const result = await runLibsslClient(dir, {
            port: server.port,
            user,
            password,
            ciphers: c.openssl,
            etm: c.etm,
            data,
          })
          expect(result).toEqual({ handshake: c.openssl, echoed: MIB, identical: true })
          await expectServed(server, user, c, MIB)
        } finally {
          await server.close()
        }
      },
      MIB_CASE_TIMEOUT_MS,
    )
  }

  for (const [what, username, pass] of badCredentials(user, password)) {
    it(`fails with an alert on both sides for ${what}, and no data passes`, async () => {
      const server = await startOurEchoServer(serverFor(user, password))
      try {
        const result = await runLibsslClient(dir, {
          port: server.port,
          user: username,
          password: pass,
          ciphers: BOTH_SUITES,
          etm: true,
          data: randomData(100),
        })
        expect(result).toHaveProperty('error')
        expect(JSON.stringify(result)).toMatch(/alert bad record mac/)
        const outcome = await server.nextOutcome()
        expect('error' in outcome && (outcome.error as { code?: string }).code).toBe('ERR_TLS_BAD_RECORD_MAC')
      } finally {
        await server.close()
      }
    })
  }
})

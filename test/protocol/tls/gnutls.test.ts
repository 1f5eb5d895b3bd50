/**
 * Interop with GnuTLS: our client against gnutls-serv, our server against gnutls-cli, both suites,
 * with and without encrypt-then-MAC, ClearSkies usernames, wrong passwords and unknown users, and
 * 1,200 handshakes in a row (a leading-zero mistake would fail about one in 256).
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
  GnutlsPasswords,
  gnutlsPriority,
  randomData,
  requireInteropTools,
  runGnutlsCli,
  type Running,
  serverFor,
  sharePassword,
  startGnutlsServ,
  startOurEchoServer,
  SUITE_CASES,
  TempDir,
  textLines,
} from './interop-tools'

const MIB = 1024 * 1024
/** gnutls-cli moves a MiB slowly (small reads); a loaded machine makes it slower still. */
const MIB_CASE_TIMEOUT_MS = 90_000
const HANDSHAKES = 1200
const HANDSHAKE_CONCURRENCY = 1

const user = clearskiesUsername()
const password = sharePassword()
let dir: TempDir
let passwords: GnutlsPasswords
let serv: Running

beforeAll(async () => {
  requireInteropTools()
  dir = new TempDir()
  passwords = new GnutlsPasswords(dir)
  passwords.add(user, password)
  serv = await startGnutlsServ(passwords)
})

afterAll(async () => {
  await serv?.stop()
  dir?.remove()
})

describe('our client against gnutls-serv', () => {
  for (const c of SUITE_CASES) {
    it(
      `${caseName(c)}: 1 MiB echoed byte for byte`,
      async () => {
        const session = await connectTls(await connectTcp('127.0.0.1', serv.port), {
          username: user,
          password,
          cipherSuites: CIPHER_SUITES.filter((s) => s.name === c.name),
          encryptThenMac: c.etm,
          recordCrypto: c.records,
        })
        expect(session.parameters).toMatchObject({
          encryptThenMac: c.etm,
          extendedMasterSecret: true,
          secureRenegotiation: true,
          groupBits: 2048,
        })
        expect(session.parameters.suite.name).toBe(c.name)
        const data = textLines(MIB)
        expect(Buffer.compare(await echoThrough(session, data), data)).toBe(0)
        await session.stream.end()
        session.stream.close()
      },
      MIB_CASE_TIMEOUT_MS,
    )
  }

  it('gets AES-128, our first choice, from a server that has both', async () => {
    const session = await connectTls(await connectTcp('127.0.0.1', serv.port), { username: user, password })
    expect(session.parameters.suite.name).toBe('TLS_SRP_SHA_WITH_AES_128_CBC_SHA')
    session.stream.close()
  })

  for (const [what, username, pass] of badCredentials(user, password)) {
    it(`fails with an alert for ${what}`, async () => {
      const failure = await connectTls(await connectTcp('127.0.0.1', serv.port), {
        username,
        password: pass,
      }).catch((e: unknown) => e)
      expect(failure).toBeInstanceOf(TlsAlertReceivedError)
      expect((failure as TlsAlertReceivedError).description).toBe(20) // bad_record_mac
    })
  }

  it(`completes ${HANDSHAKES} handshakes in a row`, async () => {
    let done = 0
    const started = performance.now()
    const worker = async (): Promise<void> => {
      while (done < HANDSHAKES) {
        done++
        const session = await connectTls(await connectTcp('127.0.0.1', serv.port), {
          username: user,
          password,
          encryptThenMac: done % 2 === 0,
          cipherSuites: done % 3 === 0 ? CIPHER_SUITES.slice(1) : CIPHER_SUITES,
        })
        session.stream.close()
      }
    }
    await Promise.all(Array.from({ length: HANDSHAKE_CONCURRENCY }, worker))
    console.log(
      `${HANDSHAKES} handshakes against gnutls-serv in ${Math.round(performance.now() - started)} ms`,
    )
    expect(done).toBeGreaterThanOrEqual(HANDSHAKES)
  }, 180_000)
})

describe('our server against gnutls-cli', () => {
  for (const c of SUITE_CASES) {
    it(
      `${caseName(c)}: 1 MiB of random bytes echoed`,
      async () => {
        const server = await startOurEchoServer(serverFor(user, password, c.records))
        try {
          const data = randomData(MIB)
          const result = await runGnutlsCli(dir, {
            port: server.port,
            user,
            password,
            priority: gnutlsPriority(c),
            input: data,
            expectBytes: MIB,
          })
          expect(result.log).toContain(`(SRP)-(${c.gnutls})-(SHA1)`)
          expect(result.log.includes('EtM')).toBe(c.etm)
          expect(Buffer.compare(result.stdout, data)).toBe(0)
          await expectServed(server, user, c, MIB)
        } finally {
          await server.close()
        }
      },
      MIB_CASE_TIMEOUT_MS,
    )
  }

  for (const [what, username, pass] of badCredentials(user, password)) {
    it(`fails with an alert for ${what}, and no data passes`, async () => {
      const server = await startOurEchoServer(serverFor(user, password))
      try {
        const result = await runGnutlsCli(dir, {
          port: server.port,
          user: username,
          password: pass,
          priority: gnutlsPriority(),
          input: new TextEncoder().encode('secret\n'),
          expectBytes: 0,
        })
        expect(result.code).not.toBe(0)
        expect(result.log).toContain('Bad record MAC')
        expect(result.stdout.length).toBe(0)
        const outcome = await server.nextOutcome()
        expect('error' in outcome && outcome.error.message).toMatch(/MAC/)
      } finally {
        await server.close()
      }
    })
  }
})

/**
 * Test fixtures for interop with GnuTLS and OpenSSL's libssl, and our own echo server on port 0.
 * A missing tool fails the test with a message naming the fix; nothing is skipped.
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { nodeRecordCrypto } from '../../../src/platform/node/record-crypto'
import { type TcpListener, listenTcp } from '../../../src/platform/node/tcp-stream'
import { toHex } from '../../../src/protocol/access/hex'
import { expect } from 'vitest'
import {
  type TlsParameters,
  type TlsServerOptions,
  type TlsSession,
  type RecordCrypto,
  acceptTls,
  webCryptoRecords,
} from '../../../src/protocol/tls/index'

const SETUP_HINT = 'install the test tools with scripts/setup-debian.sh'
const LIBSSL_SCRIPT = new URL('./libssl_srp.py', import.meta.url).pathname
const GNUTLS_BASE_PRIORITY = 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+SRP'
/** A stuck external tool is killed after this, so a test fails rather than hangs. */
const PROCESS_TIMEOUT_MS = 60_000

export function requireTool(command: string, args: string[] = ['--version']): void {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: PROCESS_TIMEOUT_MS })
  if (r.error || r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${SETUP_HINT}`)
}

export function requireInteropTools(): void {
  requireTool('gnutls-serv')
  requireTool('gnutls-cli')
  requireTool('srptool', ['--help'])
  requireTool('python3', ['-c', 'import ctypes; ctypes.CDLL("libssl.so.3")'])
}

export const clearskiesUsername = (): string =>
  `clearskies:1:${toHex(crypto.getRandomValues(new Uint8Array(32)))}`
export const sharePassword = (): string => toHex(crypto.getRandomValues(new Uint8Array(32)))

export interface SuiteCase {
  readonly name: string
  readonly gnutls: string
  readonly openssl: string
  readonly etm: boolean
  /** Our side's record primitives: WebCrypto (as in the browser) or node:crypto (as the daemon runs). */
  readonly records: RecordCrypto
}

const SUITES = [
  { name: 'TLS_SRP_SHA_WITH_AES_256_CBC_SHA', gnutls: 'AES-256-CBC', openssl: 'SRP-AES-256-CBC-SHA' },
  { name: 'TLS_SRP_SHA_WITH_AES_128_CBC_SHA', gnutls: 'AES-128-CBC', openssl: 'SRP-AES-128-CBC-SHA' },
] as const

/** Both suites, with and without encrypt-then-MAC, with each set of record primitives. */
export const SUITE_CASES: readonly SuiteCase[] = [webCryptoRecords, nodeRecordCrypto].flatMap((records) =>
  SUITES.flatMap((suite) => [true, false].map((etm) => ({ ...suite, etm, records }))),
)

/** A case's title: suite, encrypt-then-MAC, primitives. */
export function caseName(c: SuiteCase): string {
  return `${c.name}, encrypt-then-MAC ${c.etm ? 'on' : 'off'}, ${c.records.name}`
}

export function gnutlsPriority(c?: SuiteCase): string {
  if (!c) return GNUTLS_BASE_PRIORITY
  return `${GNUTLS_BASE_PRIORITY}:-CIPHER-ALL:+${c.gnutls}${c.etm ? '' : ':%NO_ETM'}`
}

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'clearskies-tls-'))
  file(name: string): string {
    return join(this.path, name)
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true })
  }
}

/**
 * GnuTLS's SRP password files. tpasswd.conf gets the RFC 5054 2048-bit group also as index 1,
 * because GnuTLS fakes unknown users (RFC 5054 §2.5.1.3) only when an index 1 exists.
 */
export class GnutlsPasswords {
  readonly passwd: string
  readonly conf: string

  constructor(private readonly dir: TempDir) {
    this.passwd = dir.file('tpasswd')
    this.conf = dir.file('tpasswd.conf')
    const all = dir.file('all-groups.conf')
    requireTool('srptool', [`--create-conf=${all}`])
    const lines = readFileSync(all, 'utf8')
      .split('\n')
      .filter((l) => /^\d+:/.test(l))
    const group2048 = lines.find((l) => l.startsWith('3:'))
    if (!group2048) throw new Error(`srptool --create-conf wrote no 2048-bit group (index 3): ${SETUP_HINT}`)
    writeFileSync(this.conf, [`1:${group2048.slice(2)}`, ...lines].join('\n') + '\n')
    writeFileSync(this.passwd, '')
  }

  add(user: string, password: string): void {
    const r = spawnSync(
      'srptool',
      ['--passwd', this.passwd, '--passwd-conf', this.conf, '-u', user, '--index', '1'],
      {
        input: `${password}\n${password}\n`,
        timeout: PROCESS_TIMEOUT_MS,
      },
    )
    if (r.status !== 0) throw new Error(`srptool could not add ${user}: ${r.stderr.toString()}`)
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      const port = typeof address === 'object' && address ? address.port : 0
      s.close(() => resolve(port))
    })
  })
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export interface Running {
  readonly port: number
  stop(): Promise<void>
}

/** gnutls-serv as an SRP echo server (its --echo echoes lines of text, not arbitrary bytes). */
export async function startGnutlsServ(
  passwords: GnutlsPasswords,
  priority = gnutlsPriority(),
): Promise<Running> {
  const port = await freePort()
  const child = spawn(
    'gnutls-serv',
    [
      '--port',
      String(port),
      '--srppasswd',
      passwords.passwd,
      '--srppasswdconf',
      passwords.conf,
      '--priority',
      priority,
      '--echo',
      '--quiet',
    ],
    { stdio: 'ignore' },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    await waitForPort(port, 5_000)
  } catch (err) {
    child.kill()
    throw err
  }
  return {
    port,
    stop: async () => {
      child.kill()
      await exited
    },
  }
}

export interface CliResult {
  readonly code: number | null
  readonly stdout: Buffer
  /** gnutls-cli's --logfile: the negotiated description and options, or the alert. */
  readonly log: string
}

/** gnutls-cli as an SRP client: sends `input`, collects `expectBytes` of output, then closes stdin. */
export function runGnutlsCli(
  dir: TempDir,
  o: {
    port: number
    user: string
    password: string
    priority: string
    input: Uint8Array
    expectBytes: number
  },
): Promise<CliResult> {
  const logfile = dir.file(`gnutls-cli-${Math.random().toString(36).slice(2)}.log`)
  const args = [
    '--logfile',
    logfile,
    '--srpusername',
    o.user,
    '--srppasswd',
    o.password,
    '--priority',
    o.priority,
    '-p',
    String(o.port),
    '127.0.0.1',
  ]
  const child = spawn('gnutls-cli', args, { stdio: ['pipe', 'pipe', 'ignore'] })
  const chunks: Buffer[] = []
  let received = 0
  child.stdin.on('error', () => {})
  child.stdin.write(o.input)
  if (o.expectBytes === 0) child.stdin.end()
  child.stdout.on('data', (c: Buffer) => {
    chunks.push(c)
    received += c.length
    if (received >= o.expectBytes) child.stdin.end()
  })
  const timer = setTimeout(() => child.kill(), PROCESS_TIMEOUT_MS)
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer)
      let log = ''
      try {
        log = readFileSync(logfile, 'utf8')
      } catch {
        // gnutls-cli writes no log when it fails before connecting.
      }
      resolve({ code, stdout: Buffer.concat(chunks), log })
    })
  })
}

export type LibsslEvent = { handshake: string; echoed?: number; identical?: boolean } | { error: string }

/** libssl as an SRP echo server for `connections` connections; one event per connection. */
export async function startLibsslServer(o: {
  user: string
  password: string
  ciphers: string
  etm: boolean
  connections: number
}): Promise<Running & { events: AsyncIterator<LibsslEvent> }> {
  const child = spawn(
    'python3',
    [LIBSSL_SCRIPT, 'server', o.user, o.password, o.ciphers, o.etm ? '1' : '0', String(o.connections)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const first = await lines.next()
  if (first.done) throw new Error(`libssl_srp.py server printed nothing: ${SETUP_HINT}`)
  const { port } = JSON.parse(String(first.value)) as { port: number }
  const events: AsyncIterator<LibsslEvent> = {
    next: async () => {
      const line = await lines.next()
      return line.done
        ? { done: true, value: undefined }
        : { done: false, value: JSON.parse(String(line.value)) as LibsslEvent }
    },
  }
  return {
    port,
    events,
    stop: async () => {
      child.kill()
      await exited
    },
  }
}

/** libssl as an SRP client that sends `data` and expects it echoed back. */
export function runLibsslClient(
  dir: TempDir,
  o: { port: number; user: string; password: string; ciphers: string; etm: boolean; data: Uint8Array },
): Promise<LibsslEvent> {
  const infile = dir.file(`libssl-in-${Math.random().toString(36).slice(2)}`)
  writeFileSync(infile, o.data)
  const args = [
    LIBSSL_SCRIPT,
    'client',
    String(o.port),
    o.user,
    o.password,
    o.ciphers,
    o.etm ? '1' : '0',
    infile,
  ]
  const child = spawn('python3', args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => (out += c.toString()))
  const timer = setTimeout(() => child.kill(), PROCESS_TIMEOUT_MS)
  return new Promise((resolve, reject) => {
    child.once('close', (code) => {
      clearTimeout(timer)
      try {
        resolve(JSON.parse(out) as LibsslEvent)
      } catch {
        reject(new Error(`libssl_srp.py client exited ${code} with output ${JSON.stringify(out)}`))
      }
    })
  })
}

export type Outcome = { parameters: TlsParameters; echoed: number } | { error: Error }

/** Our TLS-SRP server on 127.0.0.1:0, echoing every byte; each connection's outcome is queued. */
export async function startOurEchoServer(
  options: TlsServerOptions,
): Promise<TcpListener & { nextOutcome(): Promise<Outcome> }> {
  const outcomes: Outcome[] = []
  const waiting: Array<(o: Outcome) => void> = []
  const settle = (o: Outcome): void => {
    const w = waiting.shift()
    if (w) w(o)
    else outcomes.push(o)
  }
  const listener = await listenTcp('127.0.0.1', 0, (tcp) => {
    acceptTls(tcp, { ...options, source: tcp.remoteAddress, handshakeTimeoutMs: 10_000 })
      .then(async (session) => {
        let echoed = 0
        try {
          for (let c = await session.stream.read(); c; c = await session.stream.read()) {
            echoed += c.length
            await session.stream.write(c)
          }
          await session.stream.end()
        } catch {
          // The peer may leave without close_notify once it has its bytes back.
        }
        settle({ parameters: session.parameters, echoed })
      })
      .catch((error: Error) => settle({ error }))
  })
  return {
    port: listener.port,
    close: () => listener.close(),
    nextOutcome: () => {
      const o = outcomes.shift()
      return o ? Promise.resolve(o) : new Promise((resolve) => waiting.push(resolve))
    },
  }
}

/** Printable text lines (for gnutls-serv's line echo) of about `bytes` bytes. */
export function textLines(bytes: number): Uint8Array {
  const b64 = randomBytes(Math.ceil((bytes * 3) / 4))
    .toString('base64')
    .slice(0, bytes)
  return new TextEncoder().encode(b64.replace(/(.{1,75})/g, '$1\n').slice(0, bytes - 1) + '\n')
}

export function randomData(bytes: number): Uint8Array {
  return new Uint8Array(randomBytes(bytes))
}

/** Options for our server that knows one user. */
export function serverFor(user: string, password: string, records?: RecordCrypto): TlsServerOptions {
  return {
    lookup: async (u) => (u === user ? { password } : null),
    secret: crypto.getRandomValues(new Uint8Array(32)),
    ...(records ? { recordCrypto: records } : {}),
  }
}

/**
 * A server secret whose salt for `username`, as HMAC-SHA-256 gives it before derivedSalt's
 * adjustment, starts with a zero byte (one secret in 256).
 */
export async function secretWithZeroLedSalt(username: string): Promise<Uint8Array> {
  const input = new TextEncoder().encode(`clearskies srp salt\0${username}`)
  for (;;) {
    const secret = crypto.getRandomValues(new Uint8Array(32))
    const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ])
    if (new Uint8Array(await crypto.subtle.sign('HMAC', key, input))[0] === 0) return secret
  }
}

/** The two ways to get in wrong, which must look alike: a wrong password and an unknown username. */
export function badCredentials(
  user: string,
  password: string,
): ReadonlyArray<readonly [string, string, string]> {
  return [
    ['a wrong password', user, sharePassword()],
    ['an unknown username', clearskiesUsername(), password],
  ]
}

/** Writes `data` and reads until as many bytes came back (both at once, so an echo cannot stall). */
export async function echoThrough(session: TlsSession, data: Uint8Array): Promise<Buffer> {
  const parts: Uint8Array[] = []
  let got = 0
  const reading = (async () => {
    while (got < data.length) {
      const c = await session.stream.read()
      if (!c) break
      parts.push(c)
      got += c.length
    }
  })()
  await session.stream.write(data)
  await reading
  return Buffer.concat(parts)
}

/** Our echo server's outcome for a successful interop case. */
export async function expectServed(
  server: { nextOutcome(): Promise<Outcome> },
  user: string,
  c: SuiteCase,
  echoed: number,
): Promise<void> {
  const outcome = await server.nextOutcome()
  if ('error' in outcome) throw outcome.error
  expect(outcome.parameters).toMatchObject({
    username: user,
    encryptThenMac: c.etm,
    extendedMasterSecret: true,
  })
  expect(outcome.parameters.suite.name).toBe(c.name)
  expect(outcome.echoed).toBe(echoed)
}

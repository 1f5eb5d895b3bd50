/** `clearskies tls connect` and `tls listen` against GnuTLS: the debugging tool works and explains failures. */
import { type ChildProcess, spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GnutlsPasswords,
  type Running,
  TempDir,
  clearskiesUsername,
  gnutlsPriority,
  requireInteropTools,
  runGnutlsCli,
  sharePassword,
  startGnutlsServ,
} from './interop-tools'

const CLI = new URL('../../../bin/clearskies.js', import.meta.url).pathname
const user = clearskiesUsername()
const password = sharePassword()
let dir: TempDir
let serv: Running

beforeAll(async () => {
  requireInteropTools()
  dir = new TempDir()
  const passwords = new GnutlsPasswords(dir)
  passwords.add(user, password)
  serv = await startGnutlsServ(passwords)
})

afterAll(async () => {
  await serv?.stop()
  dir?.remove()
})

function runCli(
  args: string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  child.stdin.end(input)
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })))
}

describe('clearskies tls connect', () => {
  it('sends stdin to gnutls-serv, prints the echo, and names the suite and extensions on stderr', async () => {
    const r = await runCli(
      ['tls', 'connect', `127.0.0.1:${serv.port}`, '--user', user, '--password', password],
      'hello over SRP\n',
    )
    expect(r.stdout).toBe('hello over SRP\n')
    expect(r.stderr).toContain('TLS_SRP_SHA_WITH_AES_128_CBC_SHA, encrypt-then-MAC, extended master secret')
    expect(r.code).toBe(0)
  })

  it('explains a failed handshake', async () => {
    const r = await runCli(
      ['tls', 'connect', `127.0.0.1:${serv.port}`, '--user', user, '--password', 'wrong'],
      'x\n',
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /handshake with 127\.0\.0\.1:\d+ failed: the peer sent alert bad_record_mac .*wrong username or password/,
    )
    expect(r.stdout).toBe('')
  })

  it('refuses a target without a port as a usage error', async () => {
    const r = await runCli(['tls', 'connect', 'localhost', '--user', 'u', '--password', 'p'], '')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('expected HOST:PORT')
  })
})

describe('clearskies tls listen --echo', () => {
  let child: ChildProcess | undefined
  afterAll(() => child?.kill('SIGINT'))

  it('echoes for gnutls-cli and reports each connection on stderr', async () => {
    child = spawn(
      process.execPath,
      [CLI, 'tls', 'listen', '0', '--user', user, '--password', password, '--echo'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let stderr = ''
    const port = await new Promise<number>((resolve, reject) => {
      child?.stderr?.on('data', (c: Buffer) => {
        stderr += c.toString()
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr)
        if (m) resolve(Number(m[1]))
      })
      child?.once('exit', () => reject(new Error(`tls listen exited: ${stderr}`)))
    })
    const input = new TextEncoder().encode('ping\n')
    const ok = await runGnutlsCli(dir, {
      port,
      user,
      password,
      priority: gnutlsPriority(),
      input,
      expectBytes: input.length,
    })
    expect(ok.stdout.toString()).toBe('ping\n')
    const bad = await runGnutlsCli(dir, {
      port,
      user,
      password: 'nope',
      priority: gnutlsPriority(),
      input,
      expectBytes: 0,
    })
    expect(bad.code).not.toBe(0)
    await new Promise((r) => setTimeout(r, 200))
    expect(stderr).toMatch(/accepted 127\.0\.0\.1:\d+: TLS_SRP_SHA_WITH_AES_128_CBC_SHA/)
    expect(stderr).toMatch(/handshake with 127\.0\.0\.1:\d+ failed: .*wrong username or password/)
  })
})

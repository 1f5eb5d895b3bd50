/**
 * `clearskies tls`: a TLS-SRP client and server for debugging peers, like gnutls-cli and
 * gnutls-serv. Both print the negotiated suite and extensions to stderr, and say plainly why a
 * handshake failed.
 */
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { connectTcp, listenTcp } from '../../platform/node/tcp-stream'
import type { ByteStream } from '../../protocol/stream/byte-stream'
import {
  ACCEPTED_GROUPS,
  AlertDescription,
  RFC5054_GROUP_2048,
  TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
  TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
  TlsAlertReceivedError,
  TlsError,
  type TlsParameters,
  acceptTls,
  alertName,
  connectTls,
} from '../../protocol/tls/index'
import { CliError } from '../cli-error'

const USAGE = `usage:
  clearskies tls connect HOST:PORT --user U --password P [--suite aes256|aes128] [--no-etm] [--no-ems]
      connect as a TLS-SRP client, send stdin, print what comes back
  clearskies tls listen PORT --user U --password P [--host H] [--echo] [--group BITS] [--no-etm] [--no-ems]
      accept TLS-SRP connections (one or more); print what arrives, and with --echo send it back
Both print the negotiated parameters to stderr. --trace prints each handshake stage.`

const SUITES = { aes256: TLS_SRP_SHA_WITH_AES_256_CBC_SHA, aes128: TLS_SRP_SHA_WITH_AES_128_CBC_SHA } as const

const COMMON_OPTIONS = {
  user: { type: 'string' },
  password: { type: 'string' },
  'no-etm': { type: 'boolean', default: false },
  'no-ems': { type: 'boolean', default: false },
  trace: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args
  if (sub === 'connect') return tlsConnect(rest)
  if (sub === 'listen') return tlsListen(rest)
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(USAGE)
    return sub === undefined ? 2 : 0
  }
  throw new CliError(`tls: unknown subcommand '${sub}'\n\n${USAGE}`, 2)
}

async function tlsConnect(args: string[]): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({ args, allowPositionals: true, options: { ...COMMON_OPTIONS, suite: { type: 'string' } } }),
  )
  if (values.help) return help()
  const [target] = positionals
  const match = /^(.+):(\d+)$/.exec(target ?? '')
  if (!match || positionals.length !== 1)
    throw new CliError(`tls connect: expected HOST:PORT, got '${positionals.join(' ')}'\n\n${USAGE}`, 2)
  const [host, port] = [match[1] as string, Number(match[2])]
  const { user, password } = credentials(values)
  let cipherSuites
  if (values.suite !== undefined) {
    if (!(values.suite in SUITES))
      throw new CliError(`tls connect: --suite must be aes256 or aes128, got '${values.suite}'`, 2)
    cipherSuites = [SUITES[values.suite as keyof typeof SUITES]]
  }
  const tcp = await connectTcp(host, port).catch((err: Error) => {
    throw new CliError(`tls connect: cannot reach ${host}:${port}: ${err.message}`)
  })
  const session = await connectTls(tcp, {
    username: user,
    password,
    cipherSuites,
    encryptThenMac: !values['no-etm'],
    extendedMasterSecret: !values['no-ems'],
    log: values.trace ? (line) => console.error(line) : undefined,
  }).catch((err: unknown) => {
    throw new CliError(`tls connect: handshake with ${host}:${port} failed: ${explain(err)}`)
  })
  console.error(`tls: connected to ${host}:${port}: ${describe(session.parameters)}`)
  const sending = (async () => {
    for await (const chunk of process.stdin) await session.stream.write(new Uint8Array(chunk as Buffer))
    await session.stream.end()
  })()
  try {
    await Promise.all([sending, copyToStdout(session.stream)])
  } catch (err) {
    throw new CliError(
      `tls connect: connection to ${host}:${port} failed: ${explain(err instanceof Error && err.cause ? err.cause : err)}`,
    )
  } finally {
    session.stream.close()
  }
  return 0
}

async function tlsListen(args: string[]): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS,
        host: { type: 'string', default: '127.0.0.1' },
        echo: { type: 'boolean', default: false },
        group: { type: 'string' },
      },
    }),
  )
  if (values.help) return help()
  const port = Number(positionals[0])
  if (positionals.length !== 1 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`tls listen: expected a PORT, got '${positionals.join(' ')}'\n\n${USAGE}`, 2)
  }
  const { user, password } = credentials(values)
  let group = RFC5054_GROUP_2048
  if (values.group !== undefined) {
    const found = ACCEPTED_GROUPS.find((g) => String(g.bits) === values.group)
    if (!found)
      throw new CliError(
        `tls listen: --group must be one of ${ACCEPTED_GROUPS.map((g) => g.bits).join(', ')}, got '${values.group}'`,
        2,
      )
    group = found
  }
  const secret = new Uint8Array(randomBytes(32))
  const listener = await listenTcp(values.host, port, (tcp) => {
    acceptTls(tcp, {
      lookup: async (u) => (u === user ? { password } : null),
      secret,
      group,
      source: tcp.remoteAddress,
      encryptThenMac: !values['no-etm'],
      extendedMasterSecret: !values['no-ems'],
      log: values.trace ? (line) => console.error(line) : undefined,
    })
      .then(
        async (session) => {
          console.error(`tls: accepted ${tcp.remote}: ${describe(session.parameters)}`)
          await (values.echo ? echo(session.stream) : copyToStdout(session.stream))
          console.error(`tls: ${tcp.remote} closed`)
        },
        (err: unknown) => console.error(`tls: handshake with ${tcp.remote} failed: ${explain(err)}`),
      )
      .catch((err: unknown) =>
        console.error(`tls: ${tcp.remote}: ${err instanceof Error ? err.message : String(err)}`),
      )
  }).catch((err: Error) => {
    throw new CliError(`tls listen: cannot listen on ${values.host}:${port}: ${err.message}`)
  })
  console.error(`tls: listening on ${values.host}:${listener.port}`)
  await once(process, 'SIGINT')
  await listener.close()
  return 0
}

function credentials(values: { user?: string; password?: string }): { user: string; password: string } {
  if (!values.user || !values.password)
    throw new CliError(`tls: --user and --password are required\n\n${USAGE}`, 2)
  return { user: values.user, password: values.password }
}

function describe(p: TlsParameters): string {
  const extensions = [
    p.encryptThenMac ? 'encrypt-then-MAC' : 'MAC-then-encrypt',
    p.extendedMasterSecret ? 'extended master secret' : 'no extended master secret',
    p.secureRenegotiation ? 'secure renegotiation' : 'no renegotiation_info',
  ]
  return `${p.suite.name}, ${extensions.join(', ')}, ${p.groupBits}-bit group, user ${p.username}`
}

/** A failed handshake in words, with the likely cause of the usual alerts. */
function explain(err: unknown): string {
  if (err instanceof TlsAlertReceivedError) {
    const hint =
      err.description === AlertDescription.bad_record_mac
        ? ' (the peer could not verify us: wrong username or password?)'
        : err.description === AlertDescription.handshake_failure
          ? ' (no common cipher suite, or the peer does not speak TLS-SRP)'
          : ''
    return `the peer sent alert ${alertName(err.description)}${hint}`
  }
  if (err instanceof TlsError) {
    const hint = err.code === 'ERR_TLS_BAD_RECORD_MAC' ? ' (wrong username or password?)' : ''
    return `${err.message}${hint} [${err.code}, sent alert ${alertName(err.alert)}]`
  }
  return err instanceof Error ? `${err.message}${'code' in err ? ` [${String(err.code)}]` : ''}` : String(err)
}

async function copyToStdout(stream: ByteStream): Promise<void> {
  for (let c = await stream.read(); c; c = await stream.read()) {
    if (!process.stdout.write(c)) await once(process.stdout, 'drain')
  }
}

async function echo(stream: ByteStream): Promise<void> {
  for (let c = await stream.read(); c; c = await stream.read()) await stream.write(c)
  await stream.end()
}

function help(): number {
  console.log(USAGE)
  return 0
}

function parse<T>(f: () => T): T {
  try {
    return f()
  } catch (err) {
    throw new CliError(`tls: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`, 2)
  }
}

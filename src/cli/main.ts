/**
 * `clearskies`: one command-line tool for every Node part of the project. Each subcommand lives in
 * its own module under ./commands and is loaded only when asked for, so `code inspect` does not pay
 * for the daemon's SQLite or the bridge's WebRTC.
 */
import { CliError } from './cli-error'

interface CommandEntry {
  summary: string
  load: () => Promise<{ run: (args: string[]) => Promise<number | void> }>
}

const COMMANDS: Record<string, CommandEntry> = {
  code: {
    summary: 'code new | code inspect CODE: make or check an access code',
    load: () => import('./commands/code'),
  },
  wire: {
    summary: 'wire decode: print the messages of a raw wire stream read on stdin',
    load: () => import('./commands/wire'),
  },
  signaling: {
    summary:
      'signaling [--host H] [--port P] [--tcp-port Q] [--redis URL] [--static DIR]: serve the app and the tracker',
    load: () => import('./commands/signaling'),
  },
  bridge: {
    summary:
      'bridge --signaling URL [--listen H:P] [--tracker H:P] [--allow CIDR...]: relay browser peers to TCP peers',
    load: () => import('./commands/bridge'),
  },
  start: {
    summary: 'start [--foreground] [--listen H:P] [--tracker H:P] [--no-lan]: run the daemon',
    load: () => import('./commands/start'),
  },
  stop: { summary: 'stop: stop the daemon', load: () => import('./commands/stop') },
  share: {
    summary: 'share PATH [--mode M] [--multi-use] [--expires 24h]: share a folder, print an access code',
    load: () => import('./commands/share'),
  },
  attach: {
    summary: 'attach CODE PATH [--peer tcp:H:P]: join a share into the folder PATH',
    load: () => import('./commands/attach'),
  },
  list: { summary: 'list: the shares and their state', load: () => import('./commands/list') },
  status: {
    summary: "status: the daemon's state, addresses and transfer rates",
    load: () => import('./commands/status'),
  },
  peers: {
    summary: 'peers [SHARE]: connected peers and known addresses',
    load: () => import('./commands/peers'),
  },
  pause: { summary: 'pause: stop syncing until resume', load: () => import('./commands/pause') },
  resume: { summary: 'resume: sync again', load: () => import('./commands/resume') },
  remove: {
    summary: 'remove PATH: stop syncing a share (its files stay)',
    load: () => import('./commands/remove'),
  },
  'add-peer': {
    summary: 'add-peer SHARE tcp:HOST:PORT: a peer address to dial for a share',
    load: () => import('./commands/add-peer'),
  },
  config: {
    summary: 'config get [KEY] | set KEY VALUE: the daemon settings',
    load: () => import('./commands/config'),
  },
  tls: {
    summary:
      'tls connect HOST:PORT | tls listen PORT --user U --password P: a TLS-SRP client and server for debugging',
    load: () => import('./commands/tls'),
  },
}

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  return [
    'usage: clearskies COMMAND [ARGS]',
    '',
    'commands:',
    ...rows,
    '',
    'Run `clearskies COMMAND --help` for its options.',
  ].join('\n')
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage())
    return name ? 0 : 2
  }
  const entry = COMMANDS[name]
  if (!entry) {
    console.error(`clearskies: unknown command '${name}'\n\n${usage()}`)
    return 2
  }
  const command = await entry.load()
  return (await command.run(args)) ?? 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      console.error(`clearskies: ${err.message}`)
      process.exitCode = err.exitCode
    } else {
      console.error(err)
      process.exitCode = 1
    }
  },
)

#!/usr/bin/env node
// `npm start`: the signaling server (app + tracker on http://localhost:8080, TCP tracker 49200)
// and the bridge beside it (TCP peers reach browsers at 127.0.0.1:49201), both on localhost. On a
// single machine the TCP peers a browser meets are local too, so the bridge may dial loopback and
// private addresses the tracker publishes. Ctrl-C (or SIGTERM) stops both; if one exits, so does
// the other. The bridge token, which lets only our bridge announce itself to browsers
// (docs/protocol-notes/bridge.md), is made afresh each start and handed to both in their
// environment, never on a command line (`ps` shows those).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../bin/clearskies.js', import.meta.url))
const port = process.env.SIGNALING_PORT ?? '8080'
const { CLEARSKIES_BRIDGE_TOKEN_FILE: _file, ...inherited } = process.env
const env = { ...inherited, CLEARSKIES_BRIDGE_TOKEN: randomBytes(32).toString('hex') }
const children = [
  ['signaling', '--port', port],
  [
    'bridge',
    '--signaling',
    `http://127.0.0.1:${port}`,
    '--listen',
    '127.0.0.1:49201',
    ...['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '::1/128', 'fc00::/7'].flatMap(
      (c) => ['--allow-private', c],
    ),
  ],
].map((args) => spawn(process.execPath, [bin, ...args], { stdio: 'inherit', env }))

let stopping = false
const stop = (code) => {
  if (stopping) return
  stopping = true
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
  Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)),
  ).then(() => process.exit(code))
}
process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))
for (const child of children) child.once('exit', (code) => stop(code ?? 1))

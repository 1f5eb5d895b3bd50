/**
 * The daemon's control socket speaks control.md as written, to any client: the handshake, one JSON
 * message per line, pipelined requests answered in order, `not_understood`, the error format, and
 * the draft's commands (the CLI tests cover the rest through `clearskies`).
 */
import { readFile, stat } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { DAEMON_NODE_FLAGS } from '../../daemon/node-flags'
import { CliError } from '../../src/cli/cli-error'
import { withDaemon } from '../../src/cli/daemon-client'
import { MAX_CONTROL_LINE_BYTES } from '../../src/protocol/control/line-codec'
import { converse, makeDaemon, stopAll } from './daemons'

afterAll(stopAll)

it('speaks control.md on <state>/control, mode 0600', { timeout: 120_000 }, async () => {
  const daemon = await makeDaemon('controlled')
  const path = join(daemon.state, 'control')
  expect((await stat(path)).mode & 0o777).toBe(0o600)
  const folder = JSON.stringify(daemon.folder)
  const answers = await converse(
    path,
    [
      `{"type": "create_share", "path": ${folder}}`,
      `{"type": "list_shares"}`,
      `{"type": "create_access_code", "mode": "read_only", "path": ${folder}}`,
      '{"type": "status"}',
      'this is not json',
      '{"type": "make_coffee"}',
      '{"type": "remove_share", "path": "/nowhere"}',
      '{"type": "set_config", "config": {"upload_limit": 123, "use_dht": true}}',
      '{"type": "get_config_value", "key": "upload_limit"}',
      '{"type": "set_config_value", "key": "tracker", "value": "http://myserver.com/cs-track"}',
      '{"type": "get_config"}',
      '{"type": "pause"}',
      '{"type": "resume"}',
    ],
    14,
  )
  expect(answers[0]).toMatchObject({ service: 'ClearSkies Control', protocol: 1 })
  expect(answers[1]).toEqual({})
  expect(answers[2]).toMatchObject({
    shares: { [daemon.folder]: { files: expect.any(Number), synced: expect.any(Boolean) } },
  })
  expect(answers[3]).toMatchObject({ access_code: expect.stringMatching(/^SYNC/), mode: 'read_only' })
  expect(answers[4]).toMatchObject({
    paused: false,
    tracking: false,
    nat_punctured: false,
    upload_rate: 0,
    download_rate: 0,
  })
  expect(answers[5]).toMatchObject({ error: 'not_understood' })
  expect(answers[6]).toMatchObject({
    error: 'not_understood',
    message: expect.stringContaining('make_coffee'),
  })
  expect(answers[7]).toMatchObject({ error: 'ENOENT', message: expect.any(String) })
  expect(answers[8]).toEqual({ ignored: ['use_dht'] })
  expect(answers[9]).toEqual({ value: 123 })
  expect(answers[10]).toMatchObject({
    error: 'EINVAL',
    message: expect.stringContaining('tracker must be HOST:PORT'),
  })
  expect(answers[11]).toMatchObject({ config: { upload_limit: 123, tracker: '', lan: true } })
  expect(answers[12]).toEqual({})
  expect(answers[13]).toEqual({})

  const [, stopped] = await converse(path, ['{"type": "stop"}'], 2)
  expect(stopped).toEqual({})
})

it('the detached daemon runs with the daemon Node flags (one-threaded GC)', async () => {
  const daemon = await makeDaemon('flags')
  const args = (await readFile(`/proc/${daemon.pid}/cmdline`, 'utf8')).split('\0')
  for (const flag of DAEMON_NODE_FLAGS) expect(args).toContain(flag)
})

/** Sends `data` and gathers every answer line until the daemon closes; a reset of our writes is expected. */
function sendUntilClosed(path: string, data: string): Promise<unknown[]> {
  return new Promise((resolve) => {
    const socket = connect({ path })
    let buffer = ''
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => (buffer += d))
    socket.on('error', () => {})
    socket.on('close', () =>
      resolve(
        buffer
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as unknown),
      ),
    )
    socket.write(data)
  })
}

it('answers a line over 1 MiB with not_understood naming the bound, then closes', async () => {
  const daemon = await makeDaemon('long-line')
  const path = join(daemon.state, 'control')
  const long = `{"type": "set_config_value", "key": "name", "value": "${'x'.repeat(2 * MAX_CONTROL_LINE_BYTES)}"}\n`
  const answers = await sendUntilClosed(path, `{"type": "pause"}\n${long}{"type": "resume"}\n`)
  expect(answers).toEqual([
    expect.objectContaining({ service: 'ClearSkies Control' }),
    {},
    {
      error: 'not_understood',
      message: 'control line longer than 1048576 bytes; closing the connection',
    },
  ])

  // The CLI's client reports the daemon's words, not a closed socket.
  const refused = withDaemon(daemon.state, (client) =>
    client.request({ type: 'set_config_value', key: 'name', value: 'x'.repeat(2 * MAX_CONTROL_LINE_BYTES) }),
  )
  await expect(refused).rejects.toThrow(
    new CliError('control line longer than 1048576 bytes; closing the connection'),
  )
  // The daemon still serves new connections.
  expect(await daemon.json('status')).toMatchObject({ paused: true })
})

it('add_peer keeps a tcp:HOST:PORT address and refuses others with EINVAL, naming them', async () => {
  const daemon = await makeDaemon('add-peer')
  const folder = JSON.stringify(daemon.folder)
  const addPeer = (address: string): string =>
    JSON.stringify({ type: '.org.clearskies.add_peer', path: daemon.folder, address })
  const refused = ['tcp:example.org', '192.168.1.5:99999', 'hello']
  const answers = await converse(
    join(daemon.state, 'control'),
    [
      `{"type": "create_share", "path": ${folder}}`,
      addPeer('tcp:127.0.0.1:9'),
      ...refused.map(addPeer),
      `{"type": ".org.clearskies.list_peers", "path": ${folder}}`,
    ],
    7,
  )
  expect(answers.slice(1, 3)).toEqual([{}, {}])
  expect(answers.slice(3, 6)).toEqual(
    refused.map((address) => ({
      error: 'EINVAL',
      message: `"${address}" is not a peer address: expected tcp:HOST:PORT (an IPv6 host in brackets, port 1-65535)`,
    })),
  )
  expect(answers[6]).toMatchObject({ shares: { [daemon.folder]: { addresses: ['tcp:127.0.0.1:9'] } } })
})

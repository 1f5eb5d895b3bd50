/**
 * The daemon's control socket speaks control.md as written, to any client: the handshake, one JSON
 * message per line, pipelined requests answered in order, `not_understood`, the error format, and
 * the draft's commands (the CLI tests cover the rest through `clearskies`).
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { DAEMON_NODE_FLAGS } from '../../daemon/node-flags'
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

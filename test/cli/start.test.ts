/**
 * `clearskies start` checks its flags as `config set` checks the stored settings, before starting;
 * of two started at once on one state folder, one starts the daemon and the other says who has it.
 */
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { makeTempDir, removeTemp } from '../engine/peers'
import { runCli } from './run-cli'

const roots: string[] = []
afterAll(async () => {
  for (const root of roots.splice(0)) {
    await runCli(['stop', '--state', join(root, 'state')]) // in case one started after all
    await removeTemp(root)
  }
})

it.each([
  [['--name', 'x'.repeat(300)], /--name: name must be one line of at most 64 characters/],
  [['--name', 'two\nlines'], /--name: name must be one line/],
  [['--listen', '127.0.0.1:99999'], /--listen: listen must be HOST:PORT/],
])('refuses %j with exit code 2 and starts nothing', { timeout: 60_000 }, async (flags, message) => {
  const root = await makeTempDir('start-flags')
  roots.push(root)
  const state = join(root, 'state')
  const result = await runCli(['start', '--listen', '127.0.0.1:0', '--no-lan', ...flags, '--state', state])
  expect(result.stderr).toMatch(message)
  expect(result.code).toBe(2)
  expect((await runCli(['status', '--state', state])).code).toBe(1)
})

it(
  'of two `start`s at once on one state folder, one starts the daemon and the other says who has it',
  { timeout: 60_000 },
  async () => {
    const root = await makeTempDir('start-twice')
    roots.push(root)
    const state = join(root, 'state')
    const start = (): ReturnType<typeof runCli> =>
      runCli(['start', '--listen', '127.0.0.1:0', '--no-lan', '--state', state, '--json'])
    const results = await Promise.all([start(), start()])
    const won = results.filter((r) => r.code === 0)
    const lost = results.filter((r) => r.code !== 0)
    expect(won.length, JSON.stringify(results)).toBe(1)
    const { pid } = JSON.parse(won[0]?.stdout ?? '') as { pid: number }
    expect(lost[0]?.code).toBe(1)
    expect(lost[0]?.stderr).toContain(`the state folder ${state} is in use by another daemon (pid ${pid})`)
    expect(JSON.parse((await runCli(['status', '--state', state, '--json'])).stdout)).toMatchObject({ pid })
  },
)

/** `clearskies start` checks its flags as `config set` checks the stored settings, before starting. */
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

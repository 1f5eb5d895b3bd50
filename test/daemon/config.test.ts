/** `clearskies config set` as people type it. */
import { afterAll, expect, it } from 'vitest'
import { makeDaemon, stopAll } from './daemons'

afterAll(stopAll)

it('config set takes a name or address that looks like a number or true as the text it is', async () => {
  const daemon = await makeDaemon('config')
  for (const [key, value] of [
    ['name', '2024'],
    ['name', 'true'],
    ['tracker', '127.0.0.1:49200'],
  ] as const) {
    const set = await daemon.cli('config', 'set', key, value)
    expect(set.stderr).toBe('')
    expect(set.code).toBe(0)
    expect(await daemon.json('config', 'get', key)).toEqual({ value })
  }
  expect(await daemon.json('config', 'get', 'upload_limit')).toEqual({ value: 0 })
  expect((await daemon.cli('config', 'set', 'upload_limit', '1000')).code).toBe(0)
  expect(await daemon.json('config', 'get', 'upload_limit')).toEqual({ value: 1000 })
})

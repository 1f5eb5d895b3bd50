/**
 * Shutting a daemon down runs every closer, whatever the ones before it did: an engine that fails
 * to close still leaves the log written to the end and the state folder free for the next daemon.
 * In this process (not through the CLI), so the engine's close can be made to fail.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, expect, it, vi } from 'vitest'
import { startDaemon, type DaemonOptions } from '../../daemon/daemon'
import { logPath } from '../../daemon/paths'
import { Engine } from '../../src/engine/engine'
import { makeTempDir, removeTemp } from '../engine/peers'

const roots: string[] = []

afterAll(async () => {
  vi.restoreAllMocks()
  for (const root of roots.splice(0)) await removeTemp(root)
})

it('a daemon whose engine fails to close still closes the rest, then says why', async () => {
  const root = await makeTempDir('daemon-shutdown')
  roots.push(root)
  const options: DaemonOptions = {
    stateDir: join(root, 'state'),
    overrides: { listen: '127.0.0.1:0', lan: false },
    echoLog: false,
  }
  const failure = new Error('a share would not close')
  const close = Engine.prototype.close
  vi.spyOn(Engine.prototype, 'close').mockImplementationOnce(async function (this: Engine) {
    await close.call(this)
    throw failure
  })

  const first = await startDaemon(options)
  await expect(first.stop('test')).rejects.toBe(failure)
  // The closers after the engine's ran: the last log line is written, and the lock is let go.
  expect(await readFile(logPath(options.stateDir), 'utf8')).toMatch(/\[daemon\] stopped\n$/)
  const second = await startDaemon(options)
  await second.stop('test')
  await second.stopped
})

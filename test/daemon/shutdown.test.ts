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
import { ask } from '../../src/cli/daemon-client'
import { Engine } from '../../src/engine/engine'
import { makeTempDir, removeTemp } from '../engine/peers'

const roots: string[] = []

afterAll(async () => {
  vi.restoreAllMocks()
  for (const root of roots.splice(0)) await removeTemp(root)
})

/** A daemon's options in a new folder, and the failure its engine's next close will end with. */
async function failingClose(): Promise<{ options: DaemonOptions; failure: Error }> {
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
  return { options, failure }
}

/** `promise`'s outcome, or 'pending' if it has not settled within `ms`. */
function settled(promise: Promise<unknown>, ms = 2_000): Promise<unknown> {
  return Promise.race([
    promise.then(
      () => 'resolved',
      (err: unknown) => err,
    ),
    new Promise((resolve) => setTimeout(() => resolve('pending'), ms)),
  ])
}

it('a daemon whose engine fails to close still closes the rest, then says why', async () => {
  const { options, failure } = await failingClose()
  const first = await startDaemon(options)
  await expect(first.stop('test')).rejects.toBe(failure)
  expect(await settled(first.stopped)).toBe(failure)
  // The closers after the engine's ran: the last log line is written, and the lock is let go.
  expect(await readFile(logPath(options.stateDir), 'utf8')).toMatch(/\[daemon\] stopped\n$/)
  const second = await startDaemon(options)
  await second.stop('test')
  await second.stopped
})

it('a daemon stopped through its control socket whose engine fails to close says why by stopped, nothing left unhandled', async () => {
  const { options, failure } = await failingClose()
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    const daemon = await startDaemon(options)
    expect(await ask(options.stateDir, { type: 'stop' })).toEqual({})
    const outcome = await settled(daemon.stopped)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(unhandled).toEqual([])
    expect(outcome).toBe(failure)
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
})

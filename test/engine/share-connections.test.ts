/**
 * ShareConnections when the database's store fails under it (the engine closing while a link
 * still delivers): every failure is logged, none escapes as an unhandled rejection, which would
 * end a daemon or a test run.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { Database } from '../../src/protocol/database/database'
import type { DirectoryShare } from '../../src/protocol/directory/directory-share'
import type { ReceivedMessage } from '../../src/protocol/wire'
import type { LinkSender } from '../../src/engine/link'
import { ShareConnections } from '../../src/engine/share'

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
process.on('unhandledRejection', onUnhandled)
afterEach(() => {
  unhandled.length = 0
})
afterAll(() => void process.off('unhandledRejection', onUnhandled))

const closed = (): Promise<never> => Promise.reject(new Error('The database connection is not open'))

describe('ShareConnections, with the store closing', () => {
  it('logs a failed request for updates and failed updates, and leaves no rejection unhandled', async () => {
    let first = true
    const database = {
      attach: () => undefined,
      detach: () => undefined,
      requestUpdates: closed,
      // The first update is still being stored when the second one fails.
      receive: () => {
        if (!first) return closed()
        first = false
        return new Promise((resolve) => setTimeout(() => resolve({ result: 'ignored' }), 50))
      },
    } as unknown as Database
    const directory = { attach: () => undefined, detach: () => undefined } as unknown as DirectoryShare
    const logs: string[] = []
    const connections = new ShareConnections({ database, directory, log: (m) => logs.push(m) })
    const sender = {
      id: 'link-1',
      access: 'read_write',
      remote: { peerId: 'b'.repeat(32) },
      initiator: 'a'.repeat(32),
      send: async () => undefined,
      sendSigned: async () => undefined,
      close: () => undefined,
    } as unknown as LinkSender
    const handler = connections.attach(sender)
    const update = {
      type: 'database.update',
      body: { type: 'database.update' },
      signature: null,
      payload: null,
    } as unknown as ReceivedMessage
    await handler.receive(update)
    await handler.receive(update)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(unhandled).toEqual([])
    expect(logs).toEqual([
      'asking for updates failed: The database connection is not open',
      'applying an update failed: The database connection is not open',
    ])
  })
})

import { describe, expect, it } from 'vitest'
import { startAdvice } from '../../src/app/messages'
import { DatabaseClosedError } from '../../src/platform/browser/database-notices'

/** An error thrown in the engine worker, as comlink hands it to the page: a plain Error with its name and message. */
function throughComlink(err: Error): Error {
  return Object.assign(new Error(err.message), { name: err.name, message: err.message, stack: err.stack })
}

describe('the advice when the engine could not start', () => {
  it('for a database a newer version took while it started: reload, after closing the other tab', () => {
    for (const reason of ['versionchange', 'terminated'] as const) {
      const advice = startAdvice(throughComlink(new DatabaseClosedError('clearskies-engine', reason)))
      expect(advice).toMatch(/^Reload this tab; if ClearSkies is open in another tab, close that tab first/)
      expect(advice).not.toMatch(/private window/)
    }
  })

  it('otherwise: reload, and leave a private window, which has no lasting storage', () => {
    const advice = startAdvice(throughComlink(new DOMException('The user denied permission', 'UnknownError')))
    expect(advice).toMatch(/^Reload the page to try again; in a private window, open a normal one/)
  })
})

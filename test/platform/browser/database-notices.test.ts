import { describe, expect, it } from 'vitest'
import { DatabaseClosedError, DatabaseNotices } from '../../../src/platform/browser/database-notices'

describe('DatabaseNotices', () => {
  it('asks for the other tabs to be closed while any open waits, and says nothing once none does', () => {
    const notices = new DatabaseNotices()
    notices.blocked('clearskies-engine')
    notices.blocked('clearskies-folders')
    expect(notices.notice).toMatchObject({
      mustReload: false,
      message: expect.stringMatching(/Close the other ClearSkies tabs/),
    })
    notices.settled('clearskies-engine')
    expect(notices.notice?.mustReload).toBe(false)
    notices.settled('clearskies-folders')
    expect(notices.notice).toBeUndefined()
  })

  it('tells a lost connection before a waiting open, and keeps the first reason', () => {
    const notices = new DatabaseNotices()
    notices.blocked('clearskies-engine')
    notices.lost('versionchange')
    notices.lost('terminated')
    expect(notices.notice).toEqual({
      mustReload: true,
      message: expect.stringMatching(
        /^A newer version of ClearSkies was opened in another tab.*Reload this tab/,
      ),
    })
  })

  it('tells its listeners of each change, not of an open that never waited', () => {
    const notices = new DatabaseNotices()
    let changes = 0
    const stop = notices.onChange(() => changes++)
    notices.settled('clearskies-engine')
    notices.blocked('clearskies-engine')
    notices.settled('clearskies-engine')
    expect(changes).toBe(2)
    stop()
    notices.lost('terminated')
    expect(changes).toBe(2)
  })

  it('names the database and what closed it in the error a store then fails with', () => {
    expect(new DatabaseClosedError('clearskies-records:x', 'terminated')).toMatchObject({
      code: 'EDBCLOSED',
      name: 'DatabaseClosedError',
      message: 'the browser closed the database clearskies-records:x abnormally; reload this tab',
    })
  })
})

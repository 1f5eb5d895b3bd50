/**
 * Two tabs of the app in one browser profile share its IndexedDB and OPFS, so only one runs the
 * engine (src/app/engine-lock.ts): the second says so and offers to take over; taking over closes
 * the first tab's engine and starts one in the second over the same shares; and back again.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright'
import { HANDOVER_TIMEOUT_MS } from '../src/app/engine-lock'
import { openApp } from './support/app'
import { browserAndSignaling } from './support/suite'
import { captureScreen } from './ui/screens'

const suite = browserAndSignaling()

type EngineWindow = Window & {
  clearskies?: {
    host: {
      createShare(location: string): Promise<void>
      createAccessCode(location: string, level: string): Promise<{ link: string }>
      snapshot(): Promise<{ shares: Array<{ location: string }> }>
    }
  }
}

const hasEngine = (page: Page): Promise<boolean> => page.evaluate(() => 'clearskies' in window)
const shareNames = (page: Page): Promise<string[]> =>
  page.evaluate(async () =>
    (await (window as EngineWindow).clearskies!.host.snapshot()).shares.map((s) => s.location),
  )

describe('the app in two tabs', () => {
  it('runs the engine in one tab at a time, and moves it to the tab the person chooses', async () => {
    const context = await suite.browser.newContext()
    const errors: string[] = []
    const first = await context.newPage()
    first.on('pageerror', (e) => errors.push(`first: ${e.message}`))
    await openApp(first, suite.signaling.url)
    await first.evaluate(() => (window as EngineWindow).clearskies!.host.createShare('Holiday photos'))

    const second = await context.newPage()
    second.on('pageerror', (e) => errors.push(`second: ${e.message}`))
    await second.goto(suite.signaling.url)
    await second.getByText('ClearSkies is open in another tab.').waitFor()
    expect(await hasEngine(second)).toBe(false)
    expect(await captureScreen(second, '13-another-tab')).toEqual([])

    // Taking over: the first tab's engine closes, the second's starts over the same storage.
    await second.getByRole('button', { name: 'Use ClearSkies here' }).click()
    await second.waitForFunction(() => 'clearskies' in window, undefined, { timeout: 30_000 })
    await first.getByText('ClearSkies is now open in another tab, and syncs there.').waitFor()
    expect(await shareNames(second)).toEqual(['Holiday photos'])
    await second.evaluate(() => (window as EngineWindow).clearskies!.host.createShare('Recipes'))

    // And back: the first tab reloads and takes over; what the second made is there.
    await first.getByRole('button', { name: 'Use ClearSkies here' }).click()
    await first.waitForFunction(() => 'clearskies' in window, undefined, { timeout: 30_000 })
    await second.getByText('ClearSkies is now open in another tab, and syncs there.').waitFor()
    expect((await shareNames(first)).sort()).toEqual(['Holiday photos', 'Recipes'])
    expect(errors).toEqual([])
    await context.close()
  })

  it('takes the engine from a tab that does not answer, which stops when it answers again', async () => {
    const context = await suite.browser.newContext()
    const first = await context.newPage()
    await openApp(first, suite.signaling.url)
    // A tab whose page is busy past the handover timeout cannot hand over: the lock is taken from it.
    let answering = false
    const busy = first
      .evaluate((ms) => {
        const until = Date.now() + ms
        while (Date.now() < until);
      }, HANDOVER_TIMEOUT_MS + 6_000)
      .then(() => (answering = true))

    const second = await context.newPage()
    await second.goto(suite.signaling.url)
    const asked = Date.now()
    await second.getByRole('button', { name: 'Use ClearSkies here' }).click()
    await second.getByText('Waiting for the other tab to hand ClearSkies over').waitFor()
    await second.waitForFunction(() => 'clearskies' in window, undefined, { timeout: 30_000 })
    expect(Date.now() - asked).toBeGreaterThanOrEqual(HANDOVER_TIMEOUT_MS)
    expect(answering, 'the engine started here while the first tab was still busy').toBe(false)

    await busy
    await first.getByText('ClearSkies is now open in another tab, and syncs there.').waitFor()
    await context.close()
  })

  it('joins from a share link opened in a new tab: joining moves the engine to that tab', async () => {
    // A friend's device, in a browser of its own, makes the link.
    const friend = await (await suite.browser.newContext()).newPage()
    await openApp(friend, suite.signaling.url)
    const link = await friend.evaluate(async () => {
      const host = (window as EngineWindow).clearskies!.host
      await host.createShare('Band photos')
      return (await host.createAccessCode('Band photos', 'read_write')).link
    })

    const context = await suite.browser.newContext()
    const first = await context.newPage()
    await openApp(first, suite.signaling.url)
    const second = await context.newPage()
    await second.goto(link.replace(/^[^#]*/, suite.signaling.url + '/'))
    await second.getByRole('dialog', { name: 'Join a share' }).waitFor()
    await second.getByLabel('Name on this device').fill('Band photos')
    await second.getByRole('button', { name: 'Join', exact: true }).click()
    await first.getByText('ClearSkies is now open in another tab, and syncs there.').waitFor()
    await second.getByRole('button', { name: 'Open Band photos' }).waitFor({ timeout: 60_000 })
    await context.close()
    await friend.context().close()
  })
})

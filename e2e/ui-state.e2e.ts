/**
 * What the screens say after the person changed something: the list of shares after a pause.
 */
import { describe, expect, it } from 'vitest'
import { openApp } from './support/app'
import { browserAndSignaling } from './support/suite'

const suite = browserAndSignaling()

type EngineWindow = Window & { clearskies?: { host: { createShare(location: string): Promise<void> } } }

describe('the list of shares', () => {
  it('says the shares are paused while syncing is paused, and no longer once it resumes', async () => {
    const context = await suite.browser.newContext()
    const page = await context.newPage()
    await openApp(page, suite.signaling.url)
    await page.evaluate(() => (window as EngineWindow).clearskies!.host.createShare('Holiday photos'))
    const card = page.getByRole('button', { name: 'Open Holiday photos' })
    const badge = card.locator('cs-state-badge')
    await expect.poll(() => badge.getAttribute('data-state')).toBe('synced')

    await card.click()
    await page.getByRole('button', { name: 'Pause syncing' }).click()
    await page.getByRole('button', { name: 'Resume syncing' }).waitFor()
    await page.getByRole('button', { name: '← All shares' }).click()
    await card.waitFor()
    await expect.poll(() => badge.getAttribute('data-state')).toBe('paused')

    await card.click()
    await page.getByRole('button', { name: 'Resume syncing' }).click()
    await page.getByRole('button', { name: 'Pause syncing' }).waitFor()
    await page.getByRole('button', { name: '← All shares' }).click()
    await expect.poll(() => badge.getAttribute('data-state')).toBe('synced')
    await context.close()
  })
})

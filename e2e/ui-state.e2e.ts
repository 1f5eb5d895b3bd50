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

describe('the settings dialog', () => {
  it('shows the saved settings when opened again after Cancel, not what was typed and left', async () => {
    const context = await suite.browser.newContext()
    const page = await context.newPage()
    await openApp(page, suite.signaling.url)
    await page.getByRole('button', { name: 'Settings' }).click()
    const name = page.getByLabel('Device name')
    const saved = await name.inputValue()
    await name.fill('Not saved')
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('button', { name: 'Settings' }).click()
    expect(await name.inputValue()).toBe(saved)
    await context.close()
  })
})

describe('the join dialog', () => {
  it('opens empty again after Cancel, not with the code and name typed and left', async () => {
    const context = await suite.browser.newContext()
    const page = await context.newPage()
    await openApp(page, suite.signaling.url)
    await page.getByRole('button', { name: 'Join with a code' }).click()
    const dialog = page.getByRole('dialog', { name: 'Join a share' })
    await dialog.getByLabel('Access code or link').fill('SYNC-typed-then-cancelled')
    await dialog.getByLabel('Name on this device').fill('Left behind')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('button', { name: 'Join with a code' }).click()
    expect(await dialog.getByLabel('Access code or link').inputValue()).toBe('')
    expect(await dialog.getByLabel('Name on this device').inputValue()).toBe('')
    await context.close()
  })
})

/**
 * The app as people use it, in two browser contexts over real WebRTC (inside the private network
 * namespace): create a share in browser storage and add files, open the sharing dialog, join by
 * the link in the other browser, watch the files arrive, preview one, save a file and a zip
 * (checked byte for byte), pause and resume, and reload offline. Each main screen is photographed
 * at 390x844 and 1280x800 and checked with axe-core.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright'
import { browserAndSignaling } from './support/suite'
import { captureScreen } from './ui/screens'

const suite = browserAndSignaling()
const contexts: BrowserContext[] = []

afterAll(async () => {
  for (const c of contexts) await c.close()
})

/** A page whose downloads Playwright catches: the save pickers are hidden, so the app downloads. */
async function newPage(): Promise<Page> {
  const context = await suite.browser.newContext({
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  })
  contexts.push(context)
  await context.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>
    delete w.showSaveFilePicker
    delete w.showDirectoryPicker
  })
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error(`[page] ${e.message}`))
  return page
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

const NOTES = 'Meet at the harbour at nine.\nBring the blue tent.\n'
const PHOTO = readFileSync(new URL('../public/icons/icon-512.png', import.meta.url))
const BIG = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) % 251)

describe('the app, two browsers', () => {
  it('create, share, join by link, progress, preview, save a file and a zip, pause, resume, offline', async () => {
    const findings: string[] = []
    const a = await newPage()
    const b = await newPage()

    // First run.
    await a.goto(suite.signaling.url)
    await a.getByRole('heading', { name: 'Welcome to ClearSkies' }).waitFor()
    findings.push(...(await captureScreen(a, '01-welcome')))

    // Create a share kept in browser storage.
    await a.getByRole('button', { name: 'Create a share' }).first().click()
    await a.locator('cs-create-dialog').getByLabel('Name').fill('Holiday')
    findings.push(...(await captureScreen(a, '02-create')))
    await a.getByRole('button', { name: 'Create share' }).click()
    await a.getByRole('heading', { name: 'Holiday' }).waitFor()

    // Add files through the picker (drag-and-drop ends in the same event).
    await a.locator('#pick-files').setInputFiles([
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(NOTES) },
      { name: 'harbour.png', mimeType: 'image/png', buffer: PHOTO },
      { name: 'tent-manual.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(BIG) },
    ])
    await a.getByRole('button', { name: 'Preview notes.txt' }).waitFor()

    // The sharing dialog: code, link, QR code, status line.
    await a.getByRole('button', { name: 'Share…' }).click()
    const linkField = a.locator('cs-code-dialog #link')
    await expect.poll(() => linkField.inputValue(), { timeout: 15_000 }).toMatch(/#SYNC[A-Z2-7]{29}$/)
    await a.getByText('Ready: waiting for the other device').waitFor({ timeout: 15_000 })
    findings.push(...(await captureScreen(a, '03-share-dialog')))
    const link = await linkField.inputValue()

    // The other browser limits its downloads (Settings), so the transfer lasts long enough to watch.
    await b.goto(suite.signaling.url)
    await b.getByRole('button', { name: 'Settings' }).click()
    const settings = b.locator('cs-settings-dialog')
    await settings.getByLabel('Device name').fill('Sam’s phone')
    await settings.getByLabel('Download, kB/s').fill('600')
    findings.push(...(await captureScreen(b, '08-settings')))
    await settings.getByRole('button', { name: 'Save and reload' }).click()
    await b.waitForLoadState('load')
    await b.getByRole('heading', { name: 'Welcome to ClearSkies' }).waitFor()

    // Join by opening the link in the other browser.
    await b.goto(link)
    await b.getByRole('dialog', { name: 'Join a share' }).waitFor()
    expect(await b.locator('cs-join-dialog #code').inputValue()).toBe(link.slice(link.indexOf('#') + 1))
    expect(b.url()).not.toContain('SYNC')
    await b.getByLabel('Name on this device').fill('Holiday from A')
    findings.push(...(await captureScreen(b, '04-join')))
    await b.getByRole('button', { name: 'Join', exact: true }).click()

    // A's dialog says the other device connected; B's list shows the share, then its files.
    await a.getByText(/Connected: a device joined/).waitFor({ timeout: 60_000 })
    await a.locator('cs-code-dialog').getByRole('button', { name: 'Done' }).click()
    await b.getByRole('button', { name: 'Open Holiday from A' }).click({ timeout: 60_000 })
    // Progress: the big file is still coming, with its count, a bar and an estimate.
    await b.locator('cs-transfer-summary progress').waitFor({ timeout: 30_000 })
    await b.locator('cs-file-tree .state-downloading').first().waitFor()
    expect((await b.locator('cs-transfer-summary .line').textContent())?.replace(/\s+/g, ' ')).toMatch(
      /\d files? to go/,
    )
    findings.push(...(await captureScreen(b, '05-progress')))
    await a.getByText('Sam’s phone').waitFor()
    findings.push(...(await captureScreen(a, '06-share-view-sender')))
    await b.getByText('3 of 3').waitFor({ timeout: 60_000 })
    await b.getByRole('button', { name: 'Preview harbour.png' }).waitFor()
    await b.emulateMedia({ colorScheme: 'dark' })
    findings.push(...(await captureScreen(b, '12-share-view-dark')))
    await b.emulateMedia({ colorScheme: 'light' })

    // Preview an image and a text.
    await b.getByRole('button', { name: 'Preview harbour.png' }).click()
    await b.locator('cs-file-preview img').waitFor()
    findings.push(...(await captureScreen(b, '07-preview')))
    await b.locator('cs-file-preview').getByRole('button', { name: 'Close' }).click()
    await b.getByRole('button', { name: 'Preview notes.txt' }).click()
    await expect.poll(() => b.locator('cs-file-preview pre').textContent()).toBe(NOTES)
    await b.locator('cs-file-preview').getByRole('button', { name: 'Close' }).click()

    // Save one file, then the whole share as a zip: both byte for byte.
    const [fileDownload] = await Promise.all([
      b.waitForEvent('download'),
      b.getByRole('button', { name: 'Save tent-manual.bin' }).click(),
    ])
    expect(fileDownload.suggestedFilename()).toBe('tent-manual.bin')
    expect(sha256(readFileSync(await fileDownload.path()))).toBe(sha256(BIG))
    const [zipDownload] = await Promise.all([
      b.waitForEvent('download'),
      b.getByRole('button', { name: 'Save all as zip' }).click(),
    ])
    expect(zipDownload.suggestedFilename()).toBe('Holiday from A.zip')
    const zipPath = await zipDownload.path()
    execFileSync('python3', ['-m', 'zipfile', '-t', zipPath])
    const script =
      'import sys,zipfile,json,hashlib\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}))'
    expect(JSON.parse(execFileSync('python3', ['-c', script, zipPath], { encoding: 'utf8' }))).toEqual({
      'harbour.png': sha256(PHOTO),
      'notes.txt': sha256(Buffer.from(NOTES)),
      'tent-manual.bin': sha256(BIG),
    })

    // Pause and resume.
    await b.getByRole('button', { name: 'Pause syncing' }).click()
    await b.getByText('0 devices connected').waitFor()
    await b.getByRole('button', { name: 'Resume syncing' }).click()
    await b.getByRole('button', { name: 'Pause syncing' }).waitFor()
    // Resumed means connected again: what A changes next must have a way to B. (Under the whole
    // suite's load, the redial took long enough that the archive's wait below ran out once.)
    await b.getByText('1 device connected').waitFor({ timeout: 60_000 })

    // The archive keeps what a peer replaced, and restores it.
    await b.getByRole('button', { name: 'Archive', exact: true }).click()
    await b.getByLabel('Keep replaced and deleted files on this device').check()
    await b.getByText('Nothing archived yet').waitFor({ timeout: 30_000 })
    await a
      .locator('#pick-files')
      .setInputFiles([{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Changed plans.\n') }])
    await b.getByRole('button', { name: /^Restore \/notes\.txt/ }).waitFor({ timeout: 60_000 })
    findings.push(...(await captureScreen(b, '10-archive')))
    await b.getByRole('button', { name: /^Restore \/notes\.txt/ }).click()
    await b.getByRole('button', { name: 'Files', exact: true }).click()
    await expect
      .poll(
        async () => {
          await b.getByRole('button', { name: 'Preview notes.txt' }).click()
          const text = await b.locator('cs-file-preview pre').textContent()
          await b.locator('cs-file-preview').getByRole('button', { name: 'Close' }).click()
          return text
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(NOTES)

    // Selective sync: this device stops keeping the big file.
    await b.getByRole('button', { name: 'Choose what to keep' }).click()
    await b.getByLabel(/tent-manual\.bin/).uncheck()
    findings.push(...(await captureScreen(b, '11-choose-what-to-keep')))
    await b.getByRole('button', { name: 'Save choices' }).click()
    await b.getByText('Saved what this device keeps.').waitFor()
    await expect.poll(() => b.getByLabel(/tent-manual\.bin/).isChecked()).toBe(false)

    // Offline: the shell comes from the service worker, the share and its files from storage.
    await b.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
    await b.context().setOffline(true)
    await b.reload()
    await b.getByRole('heading', { name: 'Holiday from A' }).waitFor({ timeout: 30_000 })
    await b.getByRole('button', { name: 'Preview notes.txt' }).waitFor()
    await b.getByRole('button', { name: '← All shares' }).click()
    await b.getByRole('button', { name: 'Open Holiday from A' }).waitFor()
    findings.push(...(await captureScreen(b, '09-offline-list')))
    await b.context().setOffline(false)

    expect(findings).toEqual([])
  })

  it('is installable, extends and cancels a code, handles web+clearskies links, and puts files other apps share into a share', async () => {
    const page = await newPage()
    await page.goto(suite.signaling.url)
    await page.getByRole('heading', { name: 'Welcome to ClearSkies' }).waitFor()
    const href = await page.getAttribute('link[rel="manifest"]', 'href')
    const manifest = (await (await fetch(new URL(href!, suite.signaling.url))).json()) as Record<
      string,
      unknown
    >
    expect(manifest).toMatchObject({
      display: 'standalone',
      protocol_handlers: [{ protocol: 'web+clearskies', url: '/#%s' }],
      share_target: { action: '/share-target', method: 'POST', enctype: 'multipart/form-data' },
    })
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null)

    await page.getByRole('button', { name: 'Create a share' }).first().click()
    await page.locator('cs-create-dialog').getByLabel('Name').fill('Inbox')
    await page.getByRole('button', { name: 'Create share' }).click()
    await page.getByRole('heading', { name: 'Inbox' }).waitFor()

    // What a phone's share sheet does: a multipart POST navigation to the share_target action.
    const shareSheet = async (name: string, text: string): Promise<void> => {
      await page.evaluate(() => {
        const form = document.createElement('form')
        form.method = 'POST'
        form.action = '/share-target'
        form.enctype = 'multipart/form-data'
        const input = document.createElement('input')
        input.type = 'file'
        input.name = 'files'
        input.id = 'shared-files'
        form.append(input)
        document.body.append(form)
      })
      await page
        .locator('#shared-files')
        .setInputFiles([{ name, mimeType: 'text/plain', buffer: Buffer.from(text) }])
      await page.evaluate(() => document.querySelector<HTMLInputElement>('#shared-files')?.form?.submit())
    }
    await shareSheet('from-gallery.txt', 'shared from another app')
    await page.getByText('1 file was shared with ClearSkies').waitFor({ timeout: 30_000 })
    expect(new URL(page.url()).search).toBe('')
    // Shared again, a file of the same name, before the first is taken in: both wait (the
    // second replaced the first while they were kept by name and position).
    await shareSheet('from-gallery.txt', 'shared again')
    await page.getByText('2 files were shared with ClearSkies').waitFor({ timeout: 30_000 })
    await page.locator('cs-incoming').getByRole('button', { name: 'Add' }).click()
    await page.getByRole('button', { name: 'Preview from-gallery.txt' }).waitFor({ timeout: 30_000 })

    // A code made multi-use with an expiry, then cancelled.
    await page.getByRole('button', { name: 'Share…' }).click()
    const dialog = page.locator('cs-code-dialog')
    await dialog.getByText('Works once, expires in 24 h.').waitFor({ timeout: 15_000 })
    await dialog.getByRole('button', { name: 'Extend…' }).click()
    await dialog.getByLabel('Let any number of devices join until').selectOption({ label: '7 days from now' })
    await dialog.getByRole('button', { name: 'Extend code' }).click()
    await dialog.getByText('Works for any number of devices, expires in 7 days.').waitFor()
    await dialog.getByRole('button', { name: 'Cancel code' }).click()
    await dialog.getByText('Cancelled: this code no longer works.').waitFor()
    await dialog.getByRole('button', { name: 'Done' }).click()

    // A web+clearskies link (as the protocol handler delivers it) opens the join dialog.
    await page.goto(
      `${suite.signaling.url}/#${encodeURIComponent('web+clearskies:SYNC-not-a-real-code-but-long-enough')}`,
    )
    await page.getByRole('dialog', { name: 'Join a share' }).waitFor()
    await page.locator('cs-join-dialog').getByLabel('Name on this device').fill('Bad code')
    await page.getByRole('button', { name: 'Join', exact: true }).click()
    await page
      .locator('cs-join-dialog')
      .getByRole('alert')
      .getByText(/not a valid access code/)
      .waitFor()
  })
})

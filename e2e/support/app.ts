/** Helpers to drive the app's engine from a test, through the handle the app exposes (window.clearskies). */
import type { Page } from 'playwright'

export async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await page.waitForFunction(() => 'clearskies' in window, undefined, { timeout: 30_000 })
}

/** SHA-256 of every file of a share, computed in the page from the files as stored. */
export async function shareHashes(page: Page, location: string): Promise<Record<string, string>> {
  return page.evaluate(async (location) => {
    const { host } = (
      window as unknown as {
        clearskies: {
          host: {
            listFiles(l: string): Promise<Array<{ path: string; kind: string; present: boolean }>>
            readFile(l: string, p: string): Promise<File>
          }
        }
      }
    ).clearskies
    const out: Record<string, string> = {}
    for (const f of await host.listFiles(location)) {
      if (f.kind !== 'file') {
        out[f.path] = 'dir'
        continue
      }
      if (!f.present) {
        out[f.path] = 'missing'
        continue
      }
      const file = await host.readFile(location, f.path)
      const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer())
      out[f.path] = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
    }
    return out
  }, location)
}

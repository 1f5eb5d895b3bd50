/**
 * Where the bench's pages live. Each peer, and each end of the raw channel, gets a context of its
 * own, isolated like two devices:
 *   private (the default): Playwright's contexts of one browser. Like a private window, their OPFS
 *           is kept in memory by the browser process, so every write of a sync access handle is a
 *           round trip to it (about 5 ms of CPU a MB here, against about 1 on disk);
 *   disk (BENCH_PROFILES=disk): a browser of its own for each, with a profile on disk, as a
 *           person's browser has it (OPFS written straight to a file). Two browsers also means two
 *           network services carrying the WebRTC packets, the raw channel's as much as the sync's;
 *           here the raw channel took about twice the CPU a MB it takes between private contexts
 *           (117-127 ms against about 60), so the two modes' figures do not compare.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/support/browser'

export type Profiles = 'private' | 'disk'

export const PROFILES: Profiles = process.env.BENCH_PROFILES === 'disk' ? 'disk' : 'private'

/** Makes one isolated context; closing it cleans up after it. */
export type ContextMaker = () => Promise<BrowserContext>

export function contextMaker(browser: Browser, profiles: Profiles = PROFILES): ContextMaker {
  if (profiles === 'private') return () => browser.newContext()
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearskies-bench-profile-'))
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
    })
    context.on('close', () => rmSync(dir, { recursive: true, force: true }))
    return context
  }
}

/** The context's page: a persistent one opens with one already. */
export async function pageOf(context: BrowserContext): Promise<Page> {
  return context.pages()[0] ?? (await context.newPage())
}

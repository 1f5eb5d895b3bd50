/**
 * Where the bench's pages live. Each peer, and each end of the raw channel, gets a place of its
 * own, isolated like two devices (its own storage, its own renderer):
 *   origins (the default): one browser with one profile on disk, as a person's browser has it,
 *           each place a tab on an origin of its own (`http://peerN.localhost:PORT`; Chromium
 *           takes every `*.localhost` name as loopback). OPFS is written straight to a file, and
 *           one network service carries every WebRTC packet, as in "private".
 *   private (BENCH_PROFILES=private): Playwright's contexts of one browser. Like a private window,
 *           their OPFS is kept in memory by the browser process, so every call of a sync access
 *           handle is a round trip to it (about 5 ms of CPU a MB written, against about 1 on disk),
 *           which the receiving worker waits for: a storage few people sync into.
 *   disk (BENCH_PROFILES=disk): a browser of its own for each, with a profile on disk. Two browsers
 *           also means two network services carrying the WebRTC packets, the raw channel's as much
 *           as the sync's; here the raw channel took about twice the CPU a MB it takes in one
 *           browser (117-127 ms against about 60), so its figures do not compare with the others'.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright'
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumArgsDisabling } from '../../e2e/support/browser'

export type Profiles = 'origins' | 'private' | 'disk'

function profilesFromEnv(value: string | undefined): Profiles {
  if (value === undefined || value === '' || value === 'origins') return 'origins'
  if (value === 'private' || value === 'disk') return value
  throw new Error(`BENCH_PROFILES=${value}: expected origins, private or disk`)
}

export const PROFILES: Profiles = profilesFromEnv(process.env.BENCH_PROFILES)

/** What each mode's places are, for the bench's headings. */
export const PROFILES_TEXT: Record<Profiles, string> = {
  origins: 'tabs of one browser with a profile on disk, each on an origin of its own',
  private: 'private contexts of one browser (BENCH_PROFILES=private: OPFS in memory)',
  disk: 'each in its own browser with a profile on disk (BENCH_PROFILES=disk)',
}

/** One page of its own, and what it takes to go. */
export interface Place {
  readonly page: Page
  /** The app's address for this place: `base` on this place's own origin. */
  appUrl(base: string): string
  /** Closes the page, and drops what it stored. */
  close(): Promise<void>
}

export interface Places {
  make(): Promise<Place>
  /** Closes what the places shared (the profile of "origins"). */
  dispose(): Promise<void>
}

const asIs = (base: string): string => base

/** A browser of its own with a profile in a fresh folder; `close` ends it and removes the folder. */
async function launchProfile(
  args: readonly string[] = CHROMIUM_ARGS,
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'clearskies-bench-profile-'))
  const remove = (): void => {
    try {
      // Chromium's processes may still be writing to it just after the browser closed.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 })
    } catch (err) {
      console.warn(`could not remove the bench's browser profile ${dir}: ${String(err)}`)
    }
  }
  try {
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...args],
    })
    return { context, close: () => context.close().finally(remove) }
  } catch (err) {
    remove()
    throw err
  }
}

/** A persistent context opens with a page already. */
async function pageOf(context: BrowserContext): Promise<Page> {
  return context.pages()[0] ?? (await context.newPage())
}

function ownContexts(newContext: () => Promise<{ context: BrowserContext; close(): Promise<void> }>): Places {
  return {
    make: async () => {
      const { context, close } = await newContext()
      return { page: await pageOf(context), appUrl: asIs, close }
    },
    dispose: async () => {},
  }
}

/**
 * A page on `http://<host>:PORT/` of a server that serves an empty page: a place opens on its own
 * origin, so that even the raw channel's two pages (which load nothing else) get a renderer each,
 * as two devices' tabs would, where two about:blank tabs of one profile shared one.
 */
async function blankServer(): Promise<{ url(host: string): string; close(): Promise<void> }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' })
    response.end('<!doctype html><title>bench</title>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: (host) => `http://${host}:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

function originTabs(): Places {
  let shared:
    Promise<[Awaited<ReturnType<typeof launchProfile>>, Awaited<ReturnType<typeof blankServer>>]> | undefined
  let made = 0
  return {
    make: async () => {
      // Chromium may put tabs of one site (every *.localhost is one) in one renderer, where two
      // devices' tabs are in two; and without a spare renderer started ahead, the one a tab opened
      // is the one that appeared as it did (cpu.ts names them so).
      shared ??= Promise.all([
        launchProfile(
          chromiumArgsDisabling(['ProcessPerSiteUpToMainFrameThreshold', 'SpareRendererForSitePerProcess']),
        ),
        blankServer(),
      ])
      const [{ context }, blank] = await shared
      const page = await context.newPage()
      const host = `peer${++made}.localhost`
      await page.goto(blank.url(host))
      const origins = new Set([new URL(page.url()).origin])
      return {
        page,
        appUrl: (base) => {
          const url = new URL(base)
          url.hostname = host
          origins.add(url.origin)
          return url.href
        },
        close: async () => {
          // A 1 GiB sync leaves a GiB in each origin's OPFS: gone with the place, as with a context.
          const cdp = await context.newCDPSession(page)
          for (const origin of origins)
            await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' })
          await page.close()
        },
      }
    },
    dispose: async () => {
      if (!shared) return
      const [profile, blank] = await shared
      await profile.close()
      await blank.close()
    },
  }
}

export function placesFor(browser: Browser, profiles: Profiles = PROFILES): Places {
  if (profiles === 'private')
    return ownContexts(async () => {
      const context = await browser.newContext()
      return { context, close: () => context.close() }
    })
  if (profiles === 'disk') return ownContexts(() => launchProfile())
  return originTabs()
}

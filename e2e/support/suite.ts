/** What most end-to-end files share: one Chromium and the real signaling server, for all their tests. */
import { afterAll, beforeAll } from 'vitest'
import type { Browser } from 'playwright'
import { launchChromium } from './browser'
import { startTestSignaling, type TestSignaling } from './signaling'

export interface BrowserSuite {
  readonly browser: Browser
  readonly signaling: TestSignaling
}

/** Starts both before the file's tests and stops them after; read the fields inside a test. */
export function browserAndSignaling(): BrowserSuite {
  const suite: { browser?: Browser; signaling?: TestSignaling } = {}
  beforeAll(async () => {
    suite.browser = await launchChromium()
    suite.signaling = await startTestSignaling()
  })
  afterAll(async () => {
    await suite.browser?.close()
    await suite.signaling?.server.close()
  })
  return {
    get browser() {
      if (!suite.browser) throw new Error('the browser is started in beforeAll')
      return suite.browser
    },
    get signaling() {
      if (!suite.signaling) throw new Error('the signaling server is started in beforeAll')
      return suite.signaling
    },
  }
}

import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './e2e/support/browser'

// Browser-platform tests (OPFS, IndexedDB, hash-wasm, MessagePort): vitest's browser mode runs
// them inside Debian's Chromium, the same binary and flags as the e2e tests; nothing is downloaded.
export default defineConfig({
  worker: { format: 'es' },
  test: {
    include: ['e2e/browser/**/*.browser.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      // Vite prepares the browser bundle before Chromium can connect; on a busy machine that has
      // taken over the default 60 s (seen once in a full run), so allow three minutes.
      connectTimeout: 180_000,
      // Chromium connects back to vitest's server; name the loopback address rather than
      // "localhost", whose resolution inside the private network namespace is not reliable.
      api: { host: '127.0.0.1' },
      provider: playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } }),
      instances: [{ browser: 'chromium' }],
    },
  },
})

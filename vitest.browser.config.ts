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
      // A Chromium that connects at all does so in under a second, cold caches included; one that
      // stalls never does (scripts/test.sh, which tries that again), so do not wait long for it.
      connectTimeout: 30_000,
      // Chromium connects back to vitest's server; name the loopback address rather than
      // "localhost", whose resolution inside the private network namespace is not reliable.
      api: { host: '127.0.0.1' },
      provider: playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } }),
      instances: [{ browser: 'chromium' }],
    },
  },
})

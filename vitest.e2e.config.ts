import { defineConfig } from 'vitest/config'

// End-to-end tests: Playwright driving Debian's Chromium against the built app and real servers.
// Run through scripts/netns-run.sh so WebRTC has a private address (see e2e/README.md).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
})

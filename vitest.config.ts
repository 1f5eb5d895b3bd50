import { defineConfig } from 'vitest/config'

// Unit and integration tests: Node, real sockets on 127.0.0.1, real SQLite and files.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
})

import { expect, it } from 'vitest'
import { persistStorage } from '../../src/platform/browser/storage'

it('asks for persistent storage and reports the estimate', async () => {
  const report = await persistStorage()
  // Headless Chromium refuses persistence to a site it has no engagement with; the answer is reported, not assumed.
  expect(typeof report.persisted).toBe('boolean')
  expect(report.quotaBytes).toBeGreaterThan(0)
  expect(report.usageBytes).toBeGreaterThanOrEqual(0)
})

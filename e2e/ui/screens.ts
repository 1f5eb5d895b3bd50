/**
 * For the interface tests: each main screen photographed at a phone's and a desktop's size (under
 * e2e/artifacts/screenshots/, which the README's screenshots are copied from) and checked with
 * axe-core, which must find nothing serious or critical.
 */
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import AxeBuilder from '@axe-core/playwright'
import type { Page } from 'playwright'

export const SCREENSHOT_DIR = fileURLToPath(new URL('../artifacts/screenshots/', import.meta.url))

export const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
] as const

/** Screenshots `name` at both sizes (ending at the desktop size) and returns axe's serious findings. */
export async function captureScreen(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height })
    // Let layout settle after the resize (lit renders in a microtask, media queries apply at once).
    await page.waitForTimeout(150)
    await page.screenshot({ path: `${SCREENSHOT_DIR}${name}-${size.name}.png` })
  }
  const results = await new AxeBuilder({ page }).analyze()
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${name}: ${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    )
}

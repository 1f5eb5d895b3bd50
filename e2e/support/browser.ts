/**
 * Launches Debian's Chromium (never a downloaded browser) headless, with the flags this machine
 * needs: no sandbox as root, no background networking (the closed network refuses it), and mDNS
 * host candidates off so WebRTC offers the namespace's real address (see e2e/README.md).
 */
import { chromium, type Browser } from 'playwright'
import { existsSync } from 'node:fs'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Playwright passes its own --disable-features list and only the last such flag counts, so repeat
 * its list: that of playwright-core 1.65 (chromiumSwitches.ts), then what older ones listed. Several
 * keep Chromium from reaching Google's servers at startup (optimization hints, network time, search
 * preconnects); inside the test namespace nothing answers them.
 */
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'AcceptCHFrame',
  'AutoExpandDetailsElement',
  'CertificateTransparencyComponentUpdater',
  'DialMediaRouteProvider',
  'ExtensionManifestV2Disabled',
  'GlobalMediaControls',
  'ImprovedCookieControls',
  'LazyFrameLoading',
  'Translate',
]

/** CHROMIUM_ARGS with more features disabled (Chromium heeds only the last --disable-features). */
export function chromiumArgsDisabling(features: readonly string[]): string[] {
  return CHROMIUM_ARGS.map((arg) =>
    arg.startsWith('--disable-features=') ? `${arg},${features.join(',')}` : arg,
  )
}

/** Also given to vitest's browser mode (vitest.browser.config.ts), so both launch the same browser. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, 'WebRtcHideLocalIpsWithMdns'].join(',')}`,
]

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: run scripts/setup-debian.sh (installs Debian's chromium)`,
    )
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS })
}

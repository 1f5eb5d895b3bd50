/**
 * Bootstrap of the page: defines the app element and registers the service worker. The engine
 * worker and the WebRTC side start here as they land (see DESIGN.md "Where things run").
 */
import { registerSW } from 'virtual:pwa-register'
import '../ui/cs-app'
import type { CsApp } from '../ui/cs-app'

import { persistStorage } from '../platform/browser/storage'
import { startEngine } from './engine-client'

const app = document.querySelector<CsApp>('cs-app')

const engine = startEngine()
engine.then(
  (client) => {
    app?.connect(client)
    // Shares kept in browser storage must survive storage pressure: ask once the app is in use.
    void persistStorage().then((report) => app?.showStorage(report))
    // The end-to-end tests drive the engine through this handle, as the interface does.
    ;(window as unknown as { clearskies: typeof client }).clearskies = client
  },
  (err: unknown) =>
    app?.startFailed(
      `ClearSkies could not start: ${(err as Error).message}. Reload the page to try again; in a private window, open a normal one (the browser gives private windows no lasting storage).`,
    ),
)

const updateServiceWorker = registerSW({
  onNeedRefresh() {
    app?.offerUpdate(() => void updateServiceWorker(true))
  },
  onOfflineReady() {
    app?.announce('Ready to work offline.')
  },
  onRegisterError(error: unknown) {
    console.error('service worker registration failed', error)
  },
})

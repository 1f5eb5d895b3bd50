/**
 * Bootstrap of the page: defines the app element and registers the service worker. The engine
 * worker and the WebRTC side start here as they land (see DESIGN.md "Where things run").
 */
import { registerSW } from 'virtual:pwa-register'
import '../ui/cs-app'
import type { CsApp } from '../ui/cs-app'

const app = document.querySelector<CsApp>('cs-app')

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

/**
 * Bootstrap of the page: defines the app element, starts the engine worker and the WebRTC side
 * (see DESIGN.md "Where things run") in the one tab that holds the engine lock (engine-lock.ts),
 * and registers the service worker.
 */
import { registerSW } from 'virtual:pwa-register'
import '../ui/cs-app'
import type { CsApp } from '../ui/cs-app'

import { persistStorage } from '../platform/browser/storage'
import { startEngine, type EngineClient } from './engine-client'
import { EngineLock } from './engine-lock'
import { startAdvice } from './messages'

const app = document.querySelector<CsApp>('cs-app')
/** Set by a tab that lost the engine to another and was asked to take it back: it reloads, then takes over. */
const TAKE_OVER_ON_LOAD = 'clearskies.takeOver'

/** This tab's engine: starting, running, or (undefined) stopped or never started. */
let engine: Promise<EngineClient | undefined> | undefined

const lock = new EngineLock(
  async () => {
    const client = await engine?.catch(() => undefined)
    engine = undefined
    await client?.stop()
    app?.runsElsewhere('moved', takeBackAfterReload)
  },
  () => {
    void engine?.then((client) => client?.kill())
    engine = undefined
    app?.runsElsewhere('moved', takeBackAfterReload)
  },
)

function run(): void {
  engine = startEngine((notice) => app?.startingStorage(notice)).then(
    (client) => {
      app?.connect(client)
      // Shares kept in browser storage must survive storage pressure: ask once the app is in use.
      void persistStorage().then((report) => app?.showStorage(report))
      // The end-to-end tests drive the engine through this handle, as the interface does.
      ;(window as unknown as { clearskies: typeof client }).clearskies = client
      return client
    },
    (err: unknown) => {
      failed(err, startAdvice(err))
      return undefined
    },
  )
}

function failed(err: unknown, advice = 'Reload the page to try again.'): void {
  app?.startFailed(`ClearSkies could not start: ${(err as Error).message}. ${advice}`)
}

async function takeOver(): Promise<void> {
  app?.runsElsewhere('waiting')
  await lock.takeOver()
  run()
}

/** The page still shows the stopped engine's state: a fresh load starts clean, and takes over. */
function takeBackAfterReload(): void {
  sessionStorage.setItem(TAKE_OVER_ON_LOAD, '1')
  location.reload()
}

async function start(): Promise<void> {
  const asked = sessionStorage.getItem(TAKE_OVER_ON_LOAD) !== null
  sessionStorage.removeItem(TAKE_OVER_ON_LOAD)
  if (await lock.tryAcquire()) run()
  else if (asked) await takeOver()
  else app?.runsElsewhere('open', () => void takeOver().catch(failed))
}

void start().catch(failed)

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

/**
 * The engine worker: hosts the whole ClearSkies peer (protocol, storage, hashing) off the page's
 * main thread and exposes it through comlink. Thin on purpose: the host lives in src/platform/browser.
 */
import { expose, proxy, releaseProxy, type ProxyMarked, type Remote } from 'comlink'
import type { StorageNotice } from '../src/platform/browser/database-notices'
import { EngineHost, type EngineHostOptions } from '../src/platform/browser/engine-host'

/** The page calls `start` once, then uses the host it returns. */
const api = {
  async start(
    options: EngineHostOptions,
    onStarting?: Remote<((notice: StorageNotice | undefined) => void) & ProxyMarked>,
  ): Promise<EngineHost> {
    try {
      return proxy(await EngineHost.start(options, onStarting))
    } finally {
      // The host tells no more once started: the page's end of the callback's channel can go.
      onStarting?.[releaseProxy]()
    }
  },
}

export type EngineWorkerApi = typeof api

expose(api)

/**
 * Starts the engine worker and the page's networking: the worker hosts the peer, the page keeps
 * the signaling connection and the WebRTC links (RTCPeerConnection exists only here).
 */
import { proxy, wrap, type Remote } from 'comlink'
import type { StorageNotice } from '../platform/browser/database-notices'
import type { AppSnapshot, EngineHost } from '../platform/browser/engine-host'
import { PeerManager } from '../net/peer-manager'
import type { EngineWorkerApi } from '../../workers/engine.worker'
import { loadSettings } from './settings'

export interface EngineClient {
  readonly host: Remote<EngineHost>
  readonly peers: PeerManager
  /** Closes the links and the shares' stores, then ends the worker even if closing failed. */
  stop(): Promise<void>
  /** Ends the worker at once, as closing the tab would (another tab has taken the storage over). */
  kill(): void
}

/** `onStarting` hears of databases kept waiting by another tab until the engine runs. */
export async function startEngine(
  onStarting: (notice: StorageNotice | undefined) => void,
): Promise<EngineClient> {
  const settings = loadSettings()
  const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'clearskies-engine',
  })
  const api = wrap<EngineWorkerApi>(worker)
  const host = (await api.start(
    {
      appUrl: new URL('/', location.href).href,
      ...(settings.deviceName ? { name: settings.deviceName } : {}),
    },
    proxy(onStarting),
  )) as unknown as Remote<EngineHost>
  await host.setRateLimits({ upload: settings.uploadLimit, download: settings.downloadLimit })
  const peers = new PeerManager(host, {
    trackerUrl: settings.signalingUrl,
    iceServers: settings.iceServers,
    software: 'clearskies-browser-peer 0.1',
    log: (m) => console.debug(`[peers] ${m}`),
  })
  await peers.start()
  // An engine stopped by a lost database (engine-host.ts) has no links to give: the page's go too.
  await host.subscribe(
    proxy((snapshot: AppSnapshot) => {
      if (snapshot.stopped) peers.stop()
    }),
  )
  return engineClient(worker, host, peers)
}

/** The page's hold on an engine running in `worker`: its host there, and the page's links to it. */
export function engineClient(worker: Worker, host: Remote<EngineHost>, peers: PeerManager): EngineClient {
  return {
    host,
    peers,
    async stop() {
      peers.stop()
      try {
        await host.close()
      } finally {
        // A close that failed must not leave the worker running, its timers and stores with it.
        worker.terminate()
      }
    },
    kill() {
      peers.stop()
      worker.terminate()
    },
  }
}

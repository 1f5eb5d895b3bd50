/**
 * The person's settings, kept in localStorage (they are needed before the worker starts):
 * this device's name, the signaling server, the ICE servers (STUN/TURN) for WebRTC, and the
 * bandwidth limits.
 */
import { deviceNameOf } from './device-name'

export interface Settings {
  readonly deviceName: string
  /** `ws[s]://host/tracker`; by default the server the app came from. */
  readonly signalingUrl: string
  readonly iceServers: RTCIceServer[]
  /** Bytes per second of file data over every share; 0: no limit. */
  readonly uploadLimit: number
  readonly downloadLimit: number
}

const KEY = 'clearskies-settings'

export function defaultSignalingUrl(): string {
  const url = new URL('/tracker', location.href)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return url.href
}

/** Until the person names it, a device is known by its browser and system ("Chrome on Android"). */
function defaultDeviceName(): string {
  const ua = navigator.userAgent
  const first = (names: ReadonlyArray<[RegExp, string]>, otherwise: string) =>
    names.find(([re]) => re.test(ua))?.[1] ?? otherwise
  const browser = first(
    [
      [/Edg\//, 'Edge'],
      [/Firefox\//, 'Firefox'],
      [/Chrome\/|Chromium\//, 'Chrome'],
      [/Safari\//, 'Safari'],
    ],
    'Browser',
  )
  const system = first(
    [
      [/Android/, 'Android'],
      [/iPhone|iPad/, 'iOS'],
      [/Windows/, 'Windows'],
      [/Mac OS/, 'macOS'],
      [/Linux/, 'Linux'],
    ],
    'this device',
  )
  return `${browser} on ${system}`
}

export function loadSettings(): Settings {
  const defaults: Settings = {
    deviceName: defaultDeviceName(),
    signalingUrl: defaultSignalingUrl(),
    iceServers: [],
    uploadLimit: 0,
    downloadLimit: 0,
  }
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Settings>
    return {
      deviceName: deviceNameOf(saved.deviceName, defaults.deviceName),
      signalingUrl:
        typeof saved.signalingUrl === 'string' && /^wss?:\/\//.test(saved.signalingUrl)
          ? saved.signalingUrl
          : defaults.signalingUrl,
      iceServers: Array.isArray(saved.iceServers) ? saved.iceServers : defaults.iceServers,
      uploadLimit: limit(saved.uploadLimit),
      downloadLimit: limit(saved.downloadLimit),
    }
  } catch {
    return defaults
  }
}

function limit(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0
}

export function saveSettings(settings: Settings): void {
  localStorage.setItem(KEY, JSON.stringify(settings))
}

/**
 * ICE servers as a person types them, one a line: `stun:host:port`, or
 * `turn:host:port username password` (TURN needs its credentials).
 */
export function parseIceServers(text: string): RTCIceServer[] {
  const servers: RTCIceServer[] = []
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (!line) continue
    const [url, username, credential] = line.split(/\s+/)
    if (!url || !/^(stun|stuns|turn|turns):/.test(url)) {
      throw new Error(`line ${index + 1}: "${line}" is not a stun: or turn: address`)
    }
    if (url.startsWith('turn') && (!username || !credential)) {
      throw new Error(`line ${index + 1}: a TURN server needs a username and a password after its address`)
    }
    servers.push(username && credential ? { urls: url, username, credential } : { urls: url })
  }
  return servers
}

export function formatIceServers(servers: readonly RTCIceServer[]): string {
  return servers
    .flatMap((s) =>
      (Array.isArray(s.urls) ? s.urls : [s.urls]).map((url) =>
        [url, s.username, s.credential].filter(Boolean).join(' '),
      ),
    )
    .join('\n')
}

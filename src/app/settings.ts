/**
 * The person's settings, kept in localStorage (they are needed before the worker starts):
 * this device's name, the signaling server, and the ICE servers (STUN/TURN) for WebRTC.
 */
export interface Settings {
  readonly deviceName: string
  /** `ws[s]://host/tracker`; by default the server the app came from. */
  readonly signalingUrl: string
  readonly iceServers: RTCIceServer[]
}

const KEY = 'clearskies-settings'

export function defaultSignalingUrl(): string {
  const url = new URL('/tracker', location.href)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return url.href
}

export function loadSettings(): Settings {
  const defaults: Settings = { deviceName: '', signalingUrl: defaultSignalingUrl(), iceServers: [] }
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Settings>
    return {
      deviceName: typeof saved.deviceName === 'string' ? saved.deviceName : defaults.deviceName,
      signalingUrl: typeof saved.signalingUrl === 'string' && /^wss?:\/\//.test(saved.signalingUrl) ? saved.signalingUrl : defaults.signalingUrl,
      iceServers: Array.isArray(saved.iceServers) ? saved.iceServers : defaults.iceServers,
    }
  } catch {
    return defaults
  }
}

export function saveSettings(settings: Settings): void {
  localStorage.setItem(KEY, JSON.stringify(settings))
}

/**
 * Peer addresses as the tracker hands them out. core.md knows `tcp:` and `utp:` and tells clients
 * to ignore other schemes; we add `webrtc:<peer id>`, which means "reachable by WebRTC, set up
 * through this tracker's signal relay under the same ID". Only the tracker writes `webrtc:`
 * addresses (it drops any a client claims), so one cannot impersonate another's relay route.
 */
export const WEBRTC_SCHEME = 'webrtc:'
export const TCP_SCHEME = 'tcp:'

export function webrtcAddress(peerId: string): string {
  return `${WEBRTC_SCHEME}${peerId}`
}

/** The addresses a client may announce: everything it sent, verbatim, except the tracker-owned scheme. */
export function announceableAddresses(addresses: readonly string[]): string[] {
  return addresses.filter((a) => !a.toLowerCase().startsWith(WEBRTC_SCHEME))
}

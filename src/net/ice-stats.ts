/**
 * How a WebRTC connection runs, from its stats (W3C webrtc-stats): relayed when the selected
 * candidate pair has a TURN relay candidate at either end, direct otherwise. The interface shows
 * it in the list of devices (issue 8: "direct, relayed, through the bridge").
 */

/** The few fields of RTCStats entries this needs; a plain object works in tests. */
export interface StatsEntry {
  readonly id: string
  readonly type: string
  readonly selectedCandidatePairId?: string
  readonly localCandidateId?: string
  readonly remoteCandidateId?: string
  readonly candidateType?: string
  readonly nominated?: boolean
  readonly state?: string
}

export function isRelayed(stats: Iterable<StatsEntry>): boolean {
  const byId = new Map<string, StatsEntry>()
  for (const entry of stats) byId.set(entry.id, entry)
  const transport = [...byId.values()].find((e) => e.type === 'transport' && e.selectedCandidatePairId)
  const pair =
    (transport?.selectedCandidatePairId ? byId.get(transport.selectedCandidatePairId) : undefined) ??
    [...byId.values()].find((e) => e.type === 'candidate-pair' && e.nominated && e.state === 'succeeded')
  if (!pair) return false
  return [pair.localCandidateId, pair.remoteCandidateId].some(
    (id) => id !== undefined && byId.get(id)?.candidateType === 'relay',
  )
}

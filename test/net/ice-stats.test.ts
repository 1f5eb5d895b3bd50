import { describe, expect, it } from 'vitest'
import { isRelayed, type StatsEntry } from '../../src/net/ice-stats'

const candidates = (local: string, remote: string): StatsEntry[] => [
  { id: 'L1', type: 'local-candidate', candidateType: local },
  { id: 'R1', type: 'remote-candidate', candidateType: remote },
  {
    id: 'P1',
    type: 'candidate-pair',
    localCandidateId: 'L1',
    remoteCandidateId: 'R1',
    nominated: true,
    state: 'succeeded',
  },
]

describe('isRelayed', () => {
  it.each([
    ['host', 'host', false],
    ['srflx', 'prflx', false],
    ['relay', 'host', true],
    ['host', 'relay', true],
  ])('%s to %s: relayed %s', (local, remote, relayed) => {
    expect(
      isRelayed([
        ...candidates(local, remote),
        { id: 'T', type: 'transport', selectedCandidatePairId: 'P1' },
      ]),
    ).toBe(relayed)
  })

  it('falls back to the nominated, succeeded pair when the transport names none (Firefox)', () => {
    expect(isRelayed(candidates('relay', 'host'))).toBe(true)
  })

  it('says direct when no pair is selected yet', () => {
    expect(isRelayed([{ id: 'L1', type: 'local-candidate', candidateType: 'relay' }])).toBe(false)
  })
})

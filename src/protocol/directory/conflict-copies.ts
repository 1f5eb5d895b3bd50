/**
 * Conflicts keep both versions (directory.md, "Conflicts"): "the file with the record with the
 * latest `update_time` is kept automatically ... The other file (hereafter called the loser) is
 * preserved in the same directory with a new name", with `conflict_source` naming the original
 * record, and "added to the database and propagated to other peers, just like any other file".
 *
 * Every peer that sees the conflict resolves it, so if each made a copy the loser would be copied
 * once per peer. Decision (docs/protocol-notes/directory.md): only the loser's author, the peer in
 * its `last_updated_by`, makes the copy; it is sure to hold the loser's content, and it is sure
 * to see the conflict, since the winner reaches every peer. A conflict that only this peer sees
 * (`Conflict.here`: an edit made here over a peer's version not fetched yet) is kept here instead.
 */
import type { ConflictResolver, LocalChange } from '../database/conflict'
import type { DatabaseRecord } from '../database/record'
import { conflictPath, type RandomBytes } from './conflict-name'
import { serializeFileValue } from './file-value'
import { fileValueOf, pathOfKey } from './record-view'
import type { SharePath } from './share-path'

/** A copy to make on disk once the conflict is stored: the loser's content, now at `to`. */
export interface ConflictCopy {
  readonly from: SharePath
  readonly to: SharePath
  readonly sha256: string
  readonly loserUuid: string
}

export class ConflictCopies {
  private pending: ConflictCopy[] = []

  constructor(
    private readonly peerId: string,
    private readonly randomBytes: RandomBytes,
  ) {}

  /**
   * The resolver to give the database: the default winner, plus a copy of our losing file. In a
   * `key` conflict the loser is a record of its own that still names the path: it is moved to the
   * conflict name (same uuid) rather than copied, or it would hold the path again once the
   * winner is deleted, and the deleted file would come back with the loser's content.
   */
  readonly resolver: ConflictResolver = (conflict) => {
    const [winner, loser] =
      conflict.winner === 'current'
        ? [conflict.current, conflict.incoming]
        : [conflict.incoming, conflict.current]
    const copy = this.copyOf(loser, winner.uuid, conflict.kind === 'key', conflict.here ?? false)
    return copy ? { keep: conflict.winner, changes: [copy] } : { keep: conflict.winner }
  }

  /** The copies decided since the last call, in order. */
  take(): ConflictCopy[] {
    const taken = this.pending
    this.pending = []
    return taken
  }

  /**
   * `source`: the record now holding the original name; `move`: the loser record itself goes to
   * the new name; `here`: a conflict only this peer sees, whose loser it keeps whoever wrote it.
   */
  private copyOf(
    loser: DatabaseRecord,
    source: string,
    move: boolean,
    here: boolean,
  ): LocalChange | undefined {
    if (loser.deleted || (!here && loser.lastUpdatedBy !== this.peerId)) return undefined
    const path = pathOfKey(loser.key)
    const parsed = path === undefined ? undefined : fileValueOf(loser)
    if (path === undefined || parsed?.kind !== 'file') return undefined
    const to = conflictPath(path, this.randomBytes)
    this.pending.push({ from: path, to, sha256: parsed.sha256, loserUuid: loser.uuid })
    const value = serializeFileValue({ ...parsed, conflictSource: source })
    return move ? { uuid: loser.uuid, key: to, value } : { key: to, value }
  }
}

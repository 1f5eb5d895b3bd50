/**
 * A database record seen as a directory entry: its key as a share path and its value as a file
 * value, or undefined when it is not one (a key without a leading slash is "allowed, but ignored";
 * a malformed one is refused, and the caller logs why).
 */
import type { DatabaseRecord } from '../database/record'
import { parseFileValue, type FileValue } from './file-value'
import { interpretKey, type SharePath } from './share-path'

export function pathOfKey(key: string, onError?: (message: string) => void): SharePath | undefined {
  try {
    const meaning = interpretKey(key)
    return meaning.kind === 'path' ? meaning.path : undefined
  } catch (err) {
    onError?.((err as Error).message)
    return undefined
  }
}

export function fileValueOf(record: DatabaseRecord, onError?: (message: string) => void): FileValue | undefined {
  try {
    return parseFileValue(record.value).value
  } catch (err) {
    onError?.(`record ${record.uuid} (${JSON.stringify(record.key.slice(0, 80))}): ${(err as Error).message}`)
    return undefined
  }
}

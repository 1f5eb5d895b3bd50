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

/**
 * Each record's value as parsed (or why it is none), by record: a record is looked at several
 * times as it arrives and again as its file is placed, and the database hands out the same record
 * object while it keeps it (three parses per received file before).
 */
const parsedValues = new WeakMap<DatabaseRecord, FileValue | Error>()

export function fileValueOf(
  record: DatabaseRecord,
  onError?: (message: string) => void,
): FileValue | undefined {
  let parsed = parsedValues.get(record)
  if (parsed === undefined) {
    try {
      parsed = parseFileValue(record.value).value
    } catch (err) {
      parsed = err instanceof Error ? err : new Error(String(err))
    }
    parsedValues.set(record, parsed)
  }
  if (!(parsed instanceof Error)) return parsed
  onError?.(`record ${record.uuid} (${JSON.stringify(record.key.slice(0, 80))}): ${parsed.message}`)
  return undefined
}

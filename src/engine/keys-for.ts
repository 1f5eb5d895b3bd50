import type { AccessLevel, KeyEntry, Keys } from '../protocol/core/messages'

/**
 * core.md, "Key Exchange": "The appropriate set of keys to include ... will be chosen according
 * to the access level associated with the access code". A read-write newcomer gets both levels'
 * keys (it must also talk to read-only peers); a read-only one gets the read-only keys and only
 * the read-write public key, to check signatures with.
 */
export function keysFor(held: readonly KeyEntry[], level: AccessLevel): Keys {
  const readWrite = held.find((k) => k.accessLevel === 'read_write')
  const readOnly = held.find((k) => k.accessLevel === 'read_only')
  const keys: KeyEntry[] = []
  if (level === 'read_write' && readWrite) keys.push(readWrite)
  else if (readWrite?.publicRsa) keys.push({ accessLevel: 'read_write', publicRsa: readWrite.publicRsa })
  if (readOnly) keys.push(readOnly)
  return { accessLevel: level, keys }
}

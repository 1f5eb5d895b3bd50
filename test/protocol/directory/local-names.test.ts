import { describe, expect, it } from 'vitest'
import { encodeWindowsName, LocalPathMap } from '../../../src/protocol/directory/local-names'
import { parseSharePath } from '../../../src/protocol/directory/share-path'

const WINDOWS = { windowsNames: true, caseInsensitive: true }

describe('encodeWindowsName', () => {
  it.each([
    ['a:b', 'a%3Ab'],
    ['what?.txt', 'what%3F.txt'],
    ['*"<>|', '%2A%22%3C%3E%7C'],
    ['CON', '%43ON'],
    ['con.txt', '%63on.txt'],
    ['LPT9.log', '%4CPT9.log'],
    ['CONSOLE', 'CONSOLE'],
    ['trailing.', 'trailing%2E'],
    ['trailing ', 'trailing%20'],
    ['plain.txt', 'plain.txt'],
    ['100%', '100%'],
  ])('%s -> %s', (name, local) => {
    expect(encodeWindowsName(name)).toBe(local)
  })
})

describe('LocalPathMap', () => {
  it('is the identity on POSIX and keeps no state', () => {
    const map = new LocalPathMap()
    const path = parseSharePath('/a:b/Secret.txt')
    expect(map.toLocal(path)).toBe(path)
    expect(map.toWire('/x\\y')).toBe('/x\\y')
    expect([...map.mapped()]).toEqual([])
  })

  it('percent-encodes reserved names and maps them back, keeping the original path', () => {
    const map = new LocalPathMap(WINDOWS)
    expect(map.toLocal(parseSharePath('/dir:1/CON.txt'))).toBe('/dir%3A1/%43ON.txt')
    expect(map.toWire('/dir%3A1/%43ON.txt')).toBe('/dir:1/CON.txt')
    expect(map.toWire('/dir%3A1/new.txt')).toBe('/dir:1/new.txt')
  })

  it('maps a case collision to a deterministic name, before the extension', () => {
    const first = new LocalPathMap(WINDOWS)
    const second = new LocalPathMap(WINDOWS)
    expect(first.toLocal(parseSharePath('/Secret.txt'))).toBe('/Secret.txt')
    const mapped = first.toLocal(parseSharePath('/secret.txt'))
    expect(mapped).toMatch(/^\/secret~[0-9a-f]{8}\.txt$/u)
    second.toLocal(parseSharePath('/SECRET.TXT'))
    expect(second.toLocal(parseSharePath('/secret.txt'))).toBe(mapped)
    expect(first.toWire(mapped)).toBe('/secret.txt')
    expect(first.toLocal(parseSharePath('/secret.txt/inner'))).toBe(`${mapped}/inner`)
  })

  it('treats NFC and NFD spellings as one name where the system folds them', () => {
    const map = new LocalPathMap({ windowsNames: false, caseInsensitive: true })
    expect(map.toLocal(parseSharePath('/Caf\u00e9'))).toBe('/Caf\u00e9')
    expect(map.toLocal(parseSharePath('/Cafe\u0301'))).not.toBe('/Cafe\u0301')
  })

  it('maps an encoded name that collides with a literal one', () => {
    const map = new LocalPathMap(WINDOWS)
    expect(map.toLocal(parseSharePath('/a%3Ab'))).toBe('/a%3Ab')
    expect(map.toLocal(parseSharePath('/a:b'))).toMatch(/^\/a%3Ab~[0-9a-f]{8}$/u)
  })

  it('frees a name once forgotten, and lists mapped names for persistence', () => {
    const map = new LocalPathMap(WINDOWS)
    map.toLocal(parseSharePath('/A'))
    const b = map.toLocal(parseSharePath('/a'))
    expect([...map.mapped()]).toEqual([['/a', b]])
    map.forget(parseSharePath('/A'))
    map.forget(parseSharePath('/a'))
    expect(map.toLocal(parseSharePath('/a'))).toBe('/a')
  })
})

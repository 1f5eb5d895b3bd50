import { describe, expect, it } from 'vitest'
import {
  baseName,
  interpretKey,
  isWithin,
  joinPath,
  parentPath,
  parseSharePath,
  PathError,
  segmentsOf,
  type PathRule,
  type SharePath,
} from '../../../src/protocol/directory/share-path'

const refused: [string, unknown, PathRule][] = [
  ['parent escape', '/../x', 'dot-dot-segment'],
  ['deeper parent escape', '/a/../../x', 'dot-dot-segment'],
  ['trailing parent', '/a/..', 'dot-dot-segment'],
  ['backslash', '/a\\b', 'backslash'],
  ['Windows parent escape', '/..\\x', 'backslash'],
  ['NUL', '/a\0b', 'nul'],
  ['10,000 characters', `/${'a/'.repeat(4999)}b`, 'path-too-long'],
  ['4097 bytes', `/${'a'.repeat(200)}`.repeat(20) + '/' + 'b'.repeat(76), 'path-too-long'],
  ['multi-byte over the limit', `/${'é/'.repeat(1400)}`, 'path-too-long'],
  ['256-byte name', `/${'a'.repeat(256)}`, 'segment-too-long'],
  ['128 two-byte characters (256 bytes)', `/${'é'.repeat(128)}`, 'segment-too-long'],
  ['double slash', '//', 'empty-segment'],
  ['empty segment inside', '/a//b', 'empty-segment'],
  ['trailing slash', '/a/', 'empty-segment'],
  ['dot segment', '/./a', 'dot-segment'],
  ['dot segment inside', '/a/./b', 'dot-segment'],
  ['newline', '/a\nb', 'control-character'],
  ['escape character', '/a\u001b[31m', 'control-character'],
  ['DEL', '/a\u007f', 'control-character'],
  ['C1 control', '/a\u0085', 'control-character'],
  ['lone surrogate', '/a\ud800b', 'unpaired-surrogate'],
  ['relative', 'a/b', 'no-leading-slash'],
  ['empty string', '', 'no-leading-slash'],
  ['not a string', 42, 'not-a-string'],
]

const accepted: [string, string][] = [
  ['root', '/'],
  ['file', '/a.txt'],
  ['nested', '/a/b/c.txt'],
  ['spaces and Unicode', '/My Documents/résumé 📄.pdf'],
  ['dots in names', '/..a/b../...'],
  ['dotfile', '/.bashrc'],
  ['Windows-reserved characters (mapped locally, valid on the wire)', '/a:b*c?"<>|.txt'],
  ['Windows device name', '/CON'],
  ['255-byte name', `/${'a'.repeat(255)}`],
  ['NFD kept as sent', '/Cafe\u0301'],
]

describe('parseSharePath', () => {
  it.each(refused)('refuses %s', (_name, path, rule) => {
    let caught: unknown
    try {
      parseSharePath(path)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(PathError)
    expect((caught as PathError).rule).toBe(rule)
    expect((caught as PathError).code).toBe('ERR_PATH')
    expect((caught as PathError).message.length).toBeLessThan(300)
  })

  it.each(accepted)('accepts %s unchanged', (_name, path) => {
    expect(parseSharePath(path)).toBe(path)
  })
})

describe('interpretKey', () => {
  it('ignores keys without a leading slash (directory.md: "allowed, but ignored")', () => {
    expect(interpretKey('.com.example.settings')).toEqual({ kind: 'ignored', reason: 'no-leading-slash' })
    expect(interpretKey('')).toEqual({ kind: 'ignored', reason: 'no-leading-slash' })
  })

  it('validates keys with a leading slash', () => {
    expect(interpretKey('/a')).toEqual({ kind: 'path', path: '/a' })
    expect(() => interpretKey('/a/../../x')).toThrow(PathError)
  })
})

describe('path helpers', () => {
  const p = (s: string): SharePath => parseSharePath(s)
  it('splits, joins and compares', () => {
    expect(segmentsOf(p('/'))).toEqual([])
    expect(segmentsOf(p('/a/b'))).toEqual(['a', 'b'])
    expect(baseName(p('/a/b.txt'))).toBe('b.txt')
    expect(parentPath(p('/a/b'))).toBe('/a')
    expect(parentPath(p('/a'))).toBe('/')
    expect(joinPath(p('/'), 'x')).toBe('/x')
    expect(joinPath(p('/a'), 'x')).toBe('/a/x')
    expect(() => joinPath(p('/a'), '..')).toThrow(PathError)
    expect(isWithin(p('/a/b'), p('/a'))).toBe(true)
    expect(isWithin(p('/ab'), p('/a'))).toBe(false)
    expect(isWithin(p('/a'), p('/'))).toBe(true)
  })
})

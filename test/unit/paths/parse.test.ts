import { describe, expect, it } from 'vitest'
import { appendPath, isBareName, parsePath, patternSegments } from '../../../src/paths/parse.js'

describe('parsePath', () => {
  it.each([
    [
      'a.b',
      [
        { kind: 'key', name: 'a' },
        { kind: 'key', name: 'b' },
      ],
    ],
    [
      'items[0].card',
      [
        { kind: 'key', name: 'items' },
        { kind: 'index', index: 0 },
        { kind: 'key', name: 'card' },
      ],
    ],
    [
      'items[*].card',
      [{ kind: 'key', name: 'items' }, { kind: 'any' }, { kind: 'key', name: 'card' }],
    ],
    ['a.*.b', [{ kind: 'key', name: 'a' }, { kind: 'any' }, { kind: 'key', name: 'b' }]],
    ['**.ssn', [{ kind: 'deep' }, { kind: 'key', name: 'ssn' }]],
    [
      'a["odd.key"]',
      [
        { kind: 'key', name: 'a' },
        { kind: 'key', name: 'odd.key' },
      ],
    ],
    ["['it\\'s']", [{ kind: 'key', name: "it's" }]],
    ['[3]', [{ kind: 'index', index: 3 }]],
    ['kebab-case_key', [{ kind: 'key', name: 'kebab-case_key' }]],
  ])('parses %s', (path, segments) => {
    expect(parsePath(path)).toEqual(segments)
  })

  it.each([
    '',
    'a..b',
    'a.',
    '.a',
    'a[',
    'a[x]',
    'a[-1]',
    '**',
    'a.**',
    '**.**.a',
    'a b',
    'a.[0]',
    '1a',
  ])('rejects %j with ERR_FIELDSEAL_INVALID_PATH', (path) => {
    expect(() => parsePath(path)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_PATH' }),
    )
  })

  it.each([
    '__proto__',
    'a.__proto__.b',
    'constructor.prototype',
    'a["__proto__"]',
    '**.prototype',
  ])('rejects the prototype segment in %s', (path) => {
    expect(() => parsePath(path)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_PATH' }),
    )
  })

  it('rejects a non-string with a TypeError', () => {
    expect(() => parsePath(1 as never)).toThrow(TypeError)
  })
})

describe('appendPath', () => {
  it('prints keys, indexes and odd keys', () => {
    expect(appendPath(appendPath(appendPath('', 'items'), 2), 'card')).toBe('items[2].card')
    expect(appendPath('a', 'odd.key')).toBe('a["odd.key"]')
    expect(appendPath('', 0)).toBe('[0]')
  })
})

describe('patternSegments', () => {
  it('reads a bare field name as that field at any depth, every other path literally', () => {
    expect(patternSegments('ssn')).toEqual([{ kind: 'deep' }, { kind: 'key', name: 'ssn' }])
    expect(patternSegments('card_number')).toEqual([
      { kind: 'deep' },
      { kind: 'key', name: 'card_number' },
    ])
    for (const path of ['a.ssn', '["ssn"]', '[*].ssn', '*', '**.ssn', 'items[0]']) {
      expect(patternSegments(path)).toEqual(parsePath(path))
    }
    expect(isBareName('ssn')).toBe(true)
    expect(isBareName('["ssn"]')).toBe(false)
  })
})

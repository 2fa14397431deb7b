import { describe, expect, it } from 'vitest'
import { blindIndex, createBlindIndexKey } from '../../../src/blind-index/blind-index.js'
import { addBlindIndexes, compileBlindIndex } from '../../../src/http/blind-index-fields.js'
import { resolveFields } from '../../../src/core/options.js'

const key = createBlindIndexKey(Buffer.alloc(32, 3))
const plan = (paths: string[], suffix = '_bidx') =>
  compileBlindIndex(resolveFields(paths, 'test'), key, suffix)
const index = (value: string, field: string) => blindIndex(key, value, field)

describe('compileBlindIndex', () => {
  it('refuses fields that do not end in a property name', () => {
    for (const path of ['tags[*]', 'list[0]', 'a.*']) {
      expect(() => plan([path])).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
      )
    }
  })
})

describe('addBlindIndexes', () => {
  it('adds an index beside each field, at any depth, and drops indexes the client sent', () => {
    const doc = {
      ssn: '1',
      ssn_bidx: 'forged',
      a: [{ ssn: '2' }, { ssn_bidx: 'forged' }, { ssn: '', ssn_bidx: 'x' }],
    }
    expect(addBlindIndexes(plan(['**.ssn']), doc, 32)).toEqual({
      ssn: '1',
      ssn_bidx: index('1', 'ssn'),
      a: [{ ssn: '2', ssn_bidx: index('2', 'ssn') }, {}, { ssn: '' }],
    })
  })

  it('handles quoted keys, custom suffixes and literal paths', () => {
    const doc = { people: [{ 'tax id': '9' }], other: { 'tax id': '9' } }
    expect(addBlindIndexes(plan(['people[*]["tax id"]'], 'Hash'), doc, 32)).toEqual({
      people: [{ 'tax id': '9', 'tax idHash': index('9', 'tax id') }],
      other: { 'tax id': '9' },
    })
  })

  it('returns the input itself when there is nothing to index, and never mutates it', () => {
    const clean = Object.freeze({ name: 'x', nested: Object.freeze({ a: 1 }) })
    expect(addBlindIndexes(plan(['ssn']), clean, 32)).toBe(clean)
    const frozen = Object.freeze({ ssn: '1', list: Object.freeze([Object.freeze({ ssn: '2' })]) })
    const out = addBlindIndexes(plan(['ssn', 'list[*].ssn']), frozen, 32) as any
    expect(out.list[0].ssn_bidx).toBe(index('2', 'ssn'))
    expect(frozen).toEqual({ ssn: '1', list: [{ ssn: '2' }] })
  })

  it('keeps prototype-less objects prototype-less and own __proto__ keys as data', () => {
    const bare = Object.assign(Object.create(null), { ssn: '1' })
    const out = addBlindIndexes(plan(['ssn']), bare, 32) as any
    expect(Object.getPrototypeOf(out)).toBeNull()
    expect(out.ssn_bidx).toBe(index('1', 'ssn'))
    const poisoned = JSON.parse('{"__proto__":{"ssn":"1"},"ssn":"2"}')
    const result = addBlindIndexes(plan(['**.ssn']), poisoned, 32) as any
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toEqual({
      ssn: '1',
      ssn_bidx: index('1', 'ssn'),
    })
    expect(({} as any).ssn_bidx).toBeUndefined()
  })

  it('refuses values it cannot index', () => {
    expect(() => addBlindIndexes(plan(['ssn']), { ssn: { a: 1 } }, 32)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_UNSUPPORTED_VALUE', path: 'ssn' }),
    )
    expect(() => addBlindIndexes(plan(['ssn']), { ssn: 'enc:v1:k:x' }, 32)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION', path: 'ssn' }),
    )
  })
})

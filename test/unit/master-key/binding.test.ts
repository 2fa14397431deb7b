import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bindingRecord,
  canonicalBinding,
  checkBinding,
  checkBytes,
} from '../../../src/master-key/binding.js'

const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,20}$/).filter((n) => !/^aws/i.test(n))
const value = fc
  .string({ minLength: 1, maxLength: 40, unit: 'grapheme' })
  // biome-ignore lint/suspicious/noControlCharactersInRegex: values free of controls
  .filter((v) => !/[\u0000-\u001f\u007f-\u009f]/.test(v))
const binding = fc.dictionary(name, value, { minKeys: 1, maxKeys: 16 })

describe('binding', () => {
  it('has one canonical form: sorted, prefixed, one line per pair', () => {
    expect(canonicalBinding({ version: '1', keyId: 'k1' }).toString()).toBe(
      'fieldseal-binding:v1\nkeyId=k1\nversion=1\n',
    )
    expect(bindingRecord({ b: '2', a: '1' })).toEqual({ a: '1', b: '2' })
    expect(checkBinding({ b: '2', a: '1' })).toEqual([
      ['a', '1'],
      ['b', '2'],
    ])
  })

  it('gives the same bytes for the same pairs in any order, and different bytes otherwise', () => {
    fc.assert(
      fc.property(binding, binding, (a, b) => {
        const reversed = Object.fromEntries(Object.entries(a).reverse())
        expect(canonicalBinding(reversed).equals(canonicalBinding(a))).toBe(true)
        const same = JSON.stringify(bindingRecord(a)) === JSON.stringify(bindingRecord(b))
        expect(canonicalBinding(a).equals(canonicalBinding(b))).toBe(same)
      }),
    )
  })

  it('cannot be made ambiguous by a value holding "=" or what looks like another pair', () => {
    const a = canonicalBinding({ a: 'x=1', b: '2' })
    const b = canonicalBinding({ a: 'x', b: '2' })
    expect(a.equals(b)).toBe(false)
    expect(() => canonicalBinding({ a: 'x\nb=2' })).toThrow(TypeError)
  })

  it('refuses bad names, values and shapes with a TypeError that shows no value', () => {
    const bad: unknown[] = [
      null,
      [],
      'keyId=k1',
      {},
      Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
      { '': 'v' },
      { '1a': 'v' },
      { 'a b': 'v' },
      { 'a=b': 'v' },
      { __proto__x: 'v' },
      { AWSkey: 'v' },
      { aws: 'v' },
      { a: '' },
      { a: 1 },
      { a: 'x'.repeat(513) },
      { a: 'tab\there' },
      { a: '\u0085' },
      { a: '\ud800' },
      { a: 'ok\udc00' },
    ]
    for (const input of bad) {
      let error: unknown
      try {
        checkBinding(input as Record<string, string>)
      } catch (e) {
        error = e
      }
      expect(error, JSON.stringify(input)).toBeInstanceOf(TypeError)
      expect((error as Error).message).not.toContain('tab\there')
    }
    expect(checkBinding({ a: 'x'.repeat(512), 'b.c_d-e': 'é🙂' })).toHaveLength(2)
  })

  it('checks byte arguments without copying them', () => {
    const bytes = new Uint8Array(8).subarray(2, 6)
    const view = checkBytes(bytes, 'material', 4)
    expect(view.buffer).toBe(bytes.buffer)
    expect(view.length).toBe(4)
    expect(() => checkBytes(new Uint8Array(5), 'material', 4)).toThrow(TypeError)
    expect(() => checkBytes(new Uint8Array(0), 'material', 4)).toThrow(TypeError)
    expect(() => checkBytes([1, 2] as unknown as Uint8Array, 'material', 4)).toThrow(TypeError)
  })
})

import { createHmac, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  BLIND_INDEX_KEY_ENV_VAR,
  BlindIndexKey,
  blindIndex,
  blindIndexKeyFromEnv,
  createBlindIndexKey,
  normalizeForBlindIndex,
} from '../../../src/blind-index/blind-index.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'

const keyBytes = Buffer.alloc(32, 7)
const keyText = keyBytes.toString('base64')

describe('normalizeForBlindIndex', () => {
  const cases: Array<[unknown, string | undefined]> = [
    [' 123-45-6789 ', '123456789'],
    ['123 45 6789', '123456789'],
    ['123456789', '123456789'],
    [123456789, '123456789'],
    ['(555) 010-0100', '5550100100'],
    ['+1 555 0100', '15550100'],
    ['4111 1111 1111 1111', '4111111111111111'],
    ['１２３-４５-６７８９', '123456789'], // full-width digits (NFKC)
    ['Ann@Example.COM', 'ann@example.com'],
    ['  John   Smith ', 'john smith'],
    ['ABC-123', 'abc-123'], // letters: not numeric-looking, separators kept
    ['1.5', '1.5'],
    [1.5, '1.5'],
    [true, 'true'],
    ['', undefined],
    ['   ', undefined],
    [null, undefined],
    [undefined, undefined],
  ]
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} → ${JSON.stringify(expected)}`, () => {
      expect(normalizeForBlindIndex(value)).toBe(expected)
    })
  }
  it('refuses objects, arrays and non-finite numbers with ERR_FIELDSEAL_UNSUPPORTED_VALUE, naming the path', () => {
    for (const value of [{ a: 1 }, [1], Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => normalizeForBlindIndex(value, 'ssn')).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_UNSUPPORTED_VALUE', path: 'ssn' }),
      )
    }
  })
})

describe('blindIndex', () => {
  it('is base64url HMAC-SHA256 over the domain, field and normalised value (known answer)', () => {
    const expected = createHmac('sha256', keyBytes)
      .update('fieldseal-blind-index:v1\x00ssn\x00123456789')
      .digest('base64url')
    expect(blindIndex(keyText, '123-45-6789', 'ssn')).toBe(expected)
    expect(expected).toHaveLength(43)
  })

  it('matches equal values written differently, and nothing else', () => {
    const index = blindIndex(keyText, '123-45-6789', 'ssn')
    expect(blindIndex(keyText, ' 123 45 6789', 'ssn')).toBe(index)
    expect(blindIndex(keyText, 123456789, 'ssn')).toBe(index)
    expect(blindIndex(keyText, '123-45-6788', 'ssn')).not.toBe(index)
    expect(blindIndex(keyText, '123-45-6789', 'tax_id')).not.toBe(index) // bound to the field
    expect(blindIndex(randomBytes(32), '123-45-6789', 'ssn')).not.toBe(index) // keyed
  })

  it('accepts base64 text, bytes and a BlindIndexKey alike', () => {
    const fromKey = createBlindIndexKey(keyText)
    expect(fromKey).toBeInstanceOf(BlindIndexKey)
    expect(createBlindIndexKey(fromKey)).toBe(fromKey)
    const expected = blindIndex(keyText, 'x', 'f')
    expect(blindIndex(keyBytes, 'x', 'f')).toBe(expected)
    expect(blindIndex(fromKey, 'x', 'f')).toBe(expected)
  })

  it('gives no index for empty values', () => {
    expect(blindIndex(keyText, '', 'ssn')).toBeUndefined()
    expect(blindIndex(keyText, null, 'ssn')).toBeUndefined()
  })

  it('refuses bad keys and fields', () => {
    expect(() => createBlindIndexKey('not base64!')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_KEY' }),
    )
    expect(() => createBlindIndexKey(Buffer.alloc(16).toString('base64'))).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_KEY' }),
    )
    expect(() => createBlindIndexKey(42 as never)).toThrow(TypeError)
    expect(() => blindIndex(keyText, 'x', '')).toThrow(TypeError)
  })

  it('refuses a lone surrogate in the value or the field, and U+0000 in the field (ERR_FIELDSEAL_UNSUPPORTED_VALUE)', () => {
    // 0.1.0 hashed both e-mails as "ann\uFFFD@example.com": one index for two addresses.
    expect(() => blindIndex(keyText, 'ann\ud800@example.com', 'email')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_UNSUPPORTED_VALUE' }),
    )
    expect(blindIndex(keyText, 'ann\ufffd@example.com', 'email')).toHaveLength(43)
    for (const field of ['\ud800', 'e\udfffmail', 'a\u0000b']) {
      expect(() => blindIndex(keyText, 'x', field)).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_UNSUPPORTED_VALUE' }),
      )
    }
    // With U+0000 allowed, field "a\0b" + value "c" and field "a" + value "b\0c" hash alike.
    const key = createBlindIndexKey(keyText)
    expect(() => key.digest('a\0b', 'c')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_UNSUPPORTED_VALUE' }),
    )
    expect(() => key.digest('a', '\udc00')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_UNSUPPORTED_VALUE' }),
    )
  })

  it('refuses a value over 4096 characters with ERR_FIELDSEAL_VALUE_TOO_LONG', () => {
    expect(blindIndex(keyText, 'a'.repeat(4096), 'f')).toHaveLength(43)
    expect(() => blindIndex(keyText, 'a'.repeat(4097), 'f')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_VALUE_TOO_LONG' }),
    )
  })

  it('never serialises key material', () => {
    const key = createBlindIndexKey(keyText)
    expect(JSON.stringify(key)).toBe(JSON.stringify({ kid: key.kid }))
    expect(JSON.stringify(key)).not.toContain(keyText)
  })
})

describe('blindIndex: the key', () => {
  it('takes a key only: an instance has its own blindIndex(value, field)', () => {
    const fs = createFieldseal({ keys: [randomBytes(32)], blindIndexKey: keyText })
    expect(() => blindIndex(fs as never, 'x', 'f')).toThrow(TypeError)
    expect(fs.blindIndex('x', 'f')).toBe(blindIndex(keyText, 'x', 'f'))
  })

  it('reads the key from an env object', () => {
    expect(blindIndexKeyFromEnv({})).toBeUndefined()
    expect(blindIndexKeyFromEnv({ [BLIND_INDEX_KEY_ENV_VAR]: '  ' })).toBeUndefined()
    expect(blindIndexKeyFromEnv({ [BLIND_INDEX_KEY_ENV_VAR]: keyText })?.kid).toBe(
      createBlindIndexKey(keyText).kid,
    )
  })
})

describe('blindIndex bound to a record binding [binding]', () => {
  it('is HMAC-SHA256 over its own domain, the binding, the field and the value (known answer)', () => {
    const expected = createHmac('sha256', keyBytes)
      .update('fieldseal-blind-index:v1:bound\x00tenant:A\x00ssn\x00123456789')
      .digest('base64url')
    expect(blindIndex(keyText, '123-45-6789', 'ssn', { binding: 'tenant:A' })).toBe(expected)
  })

  it('indexes equal values under different bindings apart, and apart from the unbound index', () => {
    const a = blindIndex(keyText, 'ann@example.com', 'email', { binding: 'tenant:A' })
    const b = blindIndex(keyText, 'ann@example.com', 'email', { binding: 'tenant:B' })
    const none = blindIndex(keyText, 'ann@example.com', 'email')
    expect(new Set([a, b, none]).size).toBe(3)
  })

  it('refuses a binding that is empty, holds U+0000 or is not well-formed', () => {
    for (const binding of ['', 'a\0b', '\uD800']) {
      expect(() => blindIndex(keyText, 'v', 'ssn', { binding })).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
      )
    }
  })
})

import fc from 'fast-check'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { keyFingerprint } from '../../../src/crypto/static-keys.js'

const keyA = AesGcmCipher.generateKey()
const keyB = AesGcmCipher.generateKey()
const fs = createFieldseal({ keys: [keyA, keyB], fields: ['ssn'] })
const REJECTED = [
  'ERR_FIELDSEAL_MALFORMED',
  'ERR_FIELDSEAL_DECRYPT_FAILED',
  'ERR_FIELDSEAL_UNKNOWN_KEY',
  'ERR_FIELDSEAL_PLAINTEXT_FIELD',
]

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (error: any) {
    return error.code
  }
}

describe('value format v1', () => {
  it('writes enc:v1:<kid>:<unpadded base64url> with the fingerprint of the active key', () => {
    const value = fs.encryptField('123-45-6789') as string
    const [prefix, version, kid, payload] = value.split(':')
    expect([prefix, version, kid]).toEqual(['enc', 'v1', keyFingerprint(keyA)])
    expect(payload).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(Buffer.from(payload as string, 'base64url')).toHaveLength(
      12 + '"123-45-6789"'.length + 16,
    )
  })

  it('binds the AAD "enc:v1:<kid>:" + context, as the format specifies', () => {
    const value = fs.encryptField('x', { context: 'card' }) as string
    const kid = keyFingerprint(keyA)
    const sealed = Buffer.from(value.split(':')[3] as string, 'base64url')
    const plaintext = new AesGcmCipher(keyA).decrypt(sealed, `enc:v1:${kid}:card`)
    expect(plaintext.toString()).toBe('"x"')
  })
})

describe('tamper matrix', () => {
  const original = fs.encryptFields({ ssn: '078-05-1120' }).ssn as string

  it('rejects every single-bit flip of every character of the value, with a coded error', () => {
    const outcomes = new Set<string | undefined>()
    for (let i = 0; i < original.length; i++) {
      for (let bit = 0; bit < 7; bit++) {
        const flipped = String.fromCharCode(original.charCodeAt(i) ^ (1 << bit))
        const tampered = original.slice(0, i) + flipped + original.slice(i + 1)
        const code = codeOf(() => fs.decryptFields({ ssn: tampered }))
        outcomes.add(code)
        expect(REJECTED, `char ${i} bit ${bit}`).toContain(code)
      }
    }
    expect(outcomes).toContain('ERR_FIELDSEAL_DECRYPT_FAILED')
    expect(outcomes).toContain('ERR_FIELDSEAL_MALFORMED')
  })

  it('rejects every single-bit flip of the sealed bytes with the generic decryption error', () => {
    const [head, payload] = [
      original.slice(0, original.lastIndexOf(':') + 1),
      original.split(':')[3] as string,
    ]
    const sealed = Buffer.from(payload, 'base64url')
    for (let i = 0; i < sealed.length * 8; i++) {
      const copy = Buffer.from(sealed)
      copy[i >> 3] ^= 1 << (i & 7)
      const code = codeOf(() =>
        fs.decryptField(head + copy.toString('base64url'), { context: 'ssn' }),
      )
      expect(code, `bit ${i}`).toBe('ERR_FIELDSEAL_DECRYPT_FAILED')
    }
  })

  it('rejects every truncation', () => {
    // Length 0 is the empty value, which passes through by design.
    for (let length = 1; length < original.length; length++) {
      const code = codeOf(() => fs.decryptFields({ ssn: original.slice(0, length) }))
      expect(REJECTED, `length ${length}`).toContain(code)
    }
  })

  it('rejects a swapped key id, an unknown key id and a changed context', () => {
    const swapped = original.replace(keyFingerprint(keyA), keyFingerprint(keyB))
    expect(codeOf(() => fs.decryptField(swapped, { context: 'ssn' }))).toBe(
      'ERR_FIELDSEAL_DECRYPT_FAILED',
    )
    const unknown = original.replace(keyFingerprint(keyA), 'nosuchkey')
    expect(codeOf(() => fs.decryptField(unknown, { context: 'ssn' }))).toBe(
      'ERR_FIELDSEAL_UNKNOWN_KEY',
    )
    expect(codeOf(() => fs.decryptField(original, { context: 'tax_id' }))).toBe(
      'ERR_FIELDSEAL_DECRYPT_FAILED',
    )
    expect(codeOf(() => fs.decryptField(original))).toBe('ERR_FIELDSEAL_DECRYPT_FAILED')
  })

  it('rejects a value moved to another field of the document', () => {
    const sealed = createFieldseal({ keys: [keyA], fields: ['ssn', 'tax_id'] })
    const row = sealed.encryptFields({ ssn: '078-05-1120', tax_id: '12-3456789' })
    const code = codeOf(() => sealed.decryptFields({ ssn: row.tax_id, tax_id: row.ssn }))
    expect(code).toBe('ERR_FIELDSEAL_DECRYPT_FAILED')
  })

  it('says the same thing for a wrong key and a tampered value', () => {
    const other = createFieldseal({ keys: [keyB] })
    const value = fs.encryptField('secret') as string
    const wrongKey = (() => {
      try {
        other.decryptField(value.replace(keyFingerprint(keyA), keyFingerprint(keyB)))
      } catch (error: any) {
        return error
      }
    })()
    const tampered = (() => {
      try {
        fs.decryptField(value.slice(0, -2) + (value.endsWith('A') ? 'BA' : 'AA'))
      } catch (error: any) {
        return error
      }
    })()
    expect(wrongKey.code).toBe('ERR_FIELDSEAL_DECRYPT_FAILED')
    expect(tampered.code).toBe(wrongKey.code)
    expect(tampered.message).toBe(wrongKey.message)
  })
})

describe('round trips (property tests)', () => {
  it('any JSON value comes back with its type', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, context) => {
        const sealed = fs.encryptField(value, { context })
        const expected = value === '' || value === null ? value : JSON.parse(JSON.stringify(value))
        expect(fs.decryptField(sealed, { context })).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })

  it('any string, including lone surrogates and a BOM, comes back exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(fs.decryptField(fs.encryptField(text))).toBe(text)
      }),
      { numRuns: 300 },
    )
  })

  it('documents round-trip through encryptFields and decryptFields without mutating the input', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ ssn: fc.jsonValue(), note: fc.string() })), (rows) => {
        const doc = { rows }
        const before = structuredClone(doc)
        const sealed = createFieldseal({ keys: [keyA], fields: ['rows[*].ssn'] })
        const encrypted = sealed.encryptFields(doc)
        expect(doc).toEqual(before)
        expect(sealed.decryptFields(encrypted)).toEqual(JSON.parse(JSON.stringify(doc)))
      }),
      { numRuns: 100 },
    )
  })
})

describe('unsupported values', () => {
  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a bigint', 10n],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a nested NaN', { a: [Number.NaN] }],
  ])('refuses %s instead of changing it', (_name, value) => {
    expect(codeOf(() => fs.encryptField(value))).toBe('ERR_FIELDSEAL_UNSUPPORTED_VALUE')
  })
})

describe('secrecy of errors', () => {
  it('no error message, property, cause or inspection holds plaintext, ciphertext or key', () => {
    const plaintext = 'SECRET-078-05-1120'
    const value = fs.encryptField(plaintext, { context: 'ssn' }) as string
    const payload = value.split(':')[3] as string
    const attempts = [
      () => fs.decryptField(value, { context: 'other' }),
      () => fs.decryptField(`${value.slice(0, -3)}AAA`, { context: 'ssn' }),
      () => fs.decryptField(`${value}%`, { context: 'ssn' }),
      () => createFieldseal({ keys: [keyB] }).decryptField(value),
      () => fs.decryptFields({ ssn: plaintext }),
      () => fs.decryptFields({ ssn: value.replace('enc:v1:', 'enc:v9:') }),
      () => createFieldseal({ keys: [keyA.toString('base64').slice(0, -4)] }),
    ]
    for (const attempt of attempts) {
      let thrown: unknown
      try {
        attempt()
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeDefined()
      const seen = inspect(thrown, { depth: 10, showHidden: true }) + JSON.stringify(thrown)
      for (const secret of [
        plaintext,
        payload,
        payload.slice(0, 16),
        keyA.toString('base64'),
        keyA.toString('hex'),
      ]) {
        expect(seen).not.toContain(secret)
      }
    }
  })
})

describe('authentic but non-JSON v1 payloads', () => {
  it('are refused as malformed without the plaintext anywhere in the error', () => {
    const key = AesGcmCipher.generateKey()
    const kid = keyFingerprint(key)
    const header = `enc:v1:${kid}:`
    // Written with the right key and AAD, but not as JSON: only a key holder could do this.
    const sealed = new AesGcmCipher(key).encrypt('SECRET-not-json', `${header}ssn`)
    const value = header + sealed.toString('base64url')
    let thrown: unknown
    try {
      createFieldseal({ keys: [key] }).decryptField(value, { context: 'ssn' })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toMatchObject({ code: 'ERR_FIELDSEAL_MALFORMED' })
    expect(inspect(thrown, { depth: 10, showHidden: true })).not.toContain('SECRET')
  })
})

describe('contexts that are not well-formed Unicode', () => {
  const legacyKey = AesGcmCipher.generateKey()
  const legacy = `enc:${new AesGcmCipher(legacyKey).encrypt('x').toString('base64')}`

  it('are refused when sealing and opening: "\\uD800" is not "\\uFFFD" (ERR_FIELDSEAL_UNSUPPORTED_VALUE)', () => {
    const sealedUnderFffd = fs.encryptField('secret', { context: '\ufffd' })
    // 0.1.0 bound both as the UTF-8 of U+FFFD, so this opened.
    expect(codeOf(() => fs.decryptField(sealedUnderFffd, { context: '\ud800' }))).toBe(
      'ERR_FIELDSEAL_UNSUPPORTED_VALUE',
    )
    expect(fs.decryptField(sealedUnderFffd, { context: '\ufffd' })).toBe('secret')
    for (const context of ['\ud800', 'card\udfff', '\udc00\ud800', 'x\ud83d']) {
      expect(codeOf(() => fs.encryptField('secret', { context }))).toBe(
        'ERR_FIELDSEAL_UNSUPPORTED_VALUE',
      )
      expect(codeOf(() => fs.reencryptField(sealedUnderFffd, { context }))).toBe(
        'ERR_FIELDSEAL_UNSUPPORTED_VALUE',
      )
    }
    const withLegacy = createFieldseal({ keys: [legacyKey] })
    expect(withLegacy.decryptField(legacy)).toBe('x')
    expect(codeOf(() => withLegacy.decryptField(legacy, { context: '\ud800' }))).toBe(
      'ERR_FIELDSEAL_UNSUPPORTED_VALUE',
    )
  })

  it('are refused as field names in documents, naming the path', () => {
    const anyField = createFieldseal({ keys: [keyA], fields: ['meta.*'] })
    const sealed = anyField.encryptFields({ meta: { '\ufffd': 'x' } })
    expect(() => anyField.encryptFields({ meta: { '\ud800': 'x' } })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_UNSUPPORTED_VALUE', path: 'meta["\\ud800"]' }),
    )
    expect(() => anyField.decryptFields({ meta: { '\ud800': sealed.meta['\ufffd'] } })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_UNSUPPORTED_VALUE', path: 'meta["\\ud800"]' }),
    )
  })

  it('are refused in configuration when the instance is created', () => {
    const fields = [{ path: 'a', context: 'x\ud800' }]
    expect(codeOf(() => createFieldseal({ keys: [keyA], fields }))).toBe(
      'ERR_FIELDSEAL_INVALID_OPTION',
    )
    expect(codeOf(() => createFieldseal({ keys: [keyA], fields: ['a["\ud800"]'] }))).toBe(
      'ERR_FIELDSEAL_INVALID_PATH',
    )
  })

  it('a well-formed context of any text, surrogate pairs included, round-trips', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (context) => {
        expect(fs.decryptField(fs.encryptField(42, { context }), { context })).toBe(42)
      }),
      { numRuns: 200 },
    )
  })
})

describe('v1 plaintext is read with strict UTF-8 and JSON.parse, nothing more', () => {
  const key = AesGcmCipher.generateKey()
  const kid = keyFingerprint(key)
  const sealer = createFieldseal({ keys: [key] })
  /** A v1 value over raw plaintext bytes: what another implementation holding the key could write. */
  const sealRaw = (plaintext: Uint8Array) =>
    `enc:v1:${kid}:` +
    new AesGcmCipher(key).encrypt(plaintext, `enc:v1:${kid}:f`).toString('base64url')
  const open = (plaintext: Uint8Array) => sealer.decryptField(sealRaw(plaintext), { context: 'f' })

  it.each([
    ['invalid UTF-8 in a string (0xFF)', [0x22, 0x61, 0xff, 0x22]],
    ['an overlong encoding of "/" (C0 AF)', [0x22, 0xc0, 0xaf, 0x22]],
    ['an encoded surrogate (ED A0 80)', [0x22, 0xed, 0xa0, 0x80, 0x22]],
    ['a truncated sequence (E2 82)', [0x22, 0xe2, 0x82, 0x22]],
    ['a code point over U+10FFFF (F4 90 80 80)', [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22]],
    ['a quote inside a string: "a"b"', [...Buffer.from('"a"b"')]],
    ['two strings: """"', [...Buffer.from('""""')]],
    ['a raw control character inside the quotes', [0x22, 0x61, 0x01, 0x22]],
    ['a raw line feed inside the quotes', [0x22, 0x61, 0x0a, 0x62, 0x22]],
    ['a raw tab inside the quotes', [0x22, 0x09, 0x22]],
    ['a lone quote', [0x22]],
    ['a BOM before the JSON text', [0xef, 0xbb, 0xbf, 0x31]],
    ['a bare word', [...Buffer.from('ssn')]],
  ])('refuses %s as ERR_FIELDSEAL_MALFORMED', (_name, bytes) => {
    expect(codeOf(() => open(Uint8Array.from(bytes)))).toBe('ERR_FIELDSEAL_MALFORMED')
  })

  it.each([
    ['null', 'null', null],
    ['an empty string', '""', ''],
    ['escaped lone surrogates', '"\\ud800\\udfff\\ud800"', '\ud800\udfff\ud800'],
    ['a string with an escaped quote', '"a\\"b"', 'a"b'],
    ['white space around the text', ' \t\n"x"\r\n', 'x'],
    ['a non-ASCII string', '"Zoë 😀"', 'Zoë 😀'],
    ['a number in exponent form', '1e3', 1000],
  ])('opens %s as JSON.parse does', (_name, text, expected) => {
    expect(open(Buffer.from(text, 'utf8'))).toEqual(expected)
  })
})

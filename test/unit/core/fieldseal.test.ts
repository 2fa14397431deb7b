import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import type { FieldsealEvent } from '../../../src/core/events.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { keyFingerprint } from '../../../src/crypto/static-keys.js'
import { BLIND_INDEX_KEY_ENV_VAR, blindIndex } from '../../../src/blind-index/blind-index.js'
import { createHttpPipeline } from '../../../src/http/pipeline.js'

const key = AesGcmCipher.generateKey()
const oldKey = AesGcmCipher.generateKey()

describe('createFieldseal: keys', () => {
  it('refuses to start without a key [no keys, empty env]', () => {
    expect(() => createFieldseal({ env: {} })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_NO_KEY' }),
    )
    expect(() => createFieldseal({ env: { FIELDSEAL_KEYS: ' ' } })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_NO_KEY' }),
    )
    expect(() => createFieldseal({ keys: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_NO_KEY' }),
    )
  })

  it('reads FIELDSEAL_KEYS: the first key encrypts, all decrypt', () => {
    const env = { FIELDSEAL_KEYS: `${key.toString('base64')}, ${oldKey.toString('base64')}` }
    const fs = createFieldseal({ env })
    const old = createFieldseal({ keys: [oldKey] }).encryptField('old') as string
    expect(fs.encryptField('new')).toMatch(`enc:v1:${keyFingerprint(key)}:`)
    expect(fs.decryptField(old)).toBe('old')
  })

  it('rejects keys that are not 32 bytes of canonical base64', () => {
    for (const bad of [
      'short',
      key.toString('base64').replace(/=$/, ''),
      Buffer.alloc(16).toString('base64'),
    ]) {
      expect(() => createFieldseal({ keys: [bad] })).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_KEY' }),
      )
    }
  })

  it('rejects keys together with keyring, and unknown options with a hint', () => {
    const keyring = createFieldseal({ keys: [key] }).keySource
    expect(() => createFieldseal({ keys: [key], keyring })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
    expect(() => createFieldseal({ keys: [key], feilds: ['ssn'] } as never)).toThrow(
      /Did you mean "fields"/,
    )
    expect(() => createFieldseal({ keys: [key], maxDepth: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
    expect(() => createFieldseal({ keys: [key], fields: ['a..b'] })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_PATH' }),
    )
    expect(() =>
      createFieldseal({ keys: [key], fields: [{ path: 'a', contxt: 'x' } as never] }),
    ).toThrow(/Did you mean "context"/)
  })

  it('treats undefined, {} and Object.create(null) value options alike', () => {
    const fs = createFieldseal({ keys: [key] })
    for (const options of [undefined, {}, Object.create(null)]) {
      const sealed = fs.encryptField('x', options)
      expect(fs.decryptField(sealed)).toBe('x')
      expect(fs.decryptField(sealed, options)).toBe('x')
    }
  })
})

describe('single values', () => {
  const fs = createFieldseal({ keys: [key] })

  it('passes empty values and non-ciphertext through, as the reference did', () => {
    for (const empty of ['', null, undefined]) {
      expect(fs.encryptField(empty)).toBe(empty)
      expect(fs.decryptField(empty)).toBe(empty)
    }
    expect(fs.decryptField('plain text')).toBe('plain text')
    expect(fs.decryptField(42)).toBe(42)
  })

  it('keeps an already encrypted value, but refuses a malformed one', () => {
    const sealed = fs.encryptField('x')
    expect(fs.encryptField(sealed)).toBe(sealed)
    expect(() => fs.encryptField('enc:not base64!')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_MALFORMED' }),
    )
  })

  it('reencryptField moves a value to the active key and leaves current values alone', () => {
    const old = createFieldseal({ keys: [oldKey] }).encryptField(7, { context: 'n' })
    const both = createFieldseal({ keys: [key, oldKey] })
    const moved = both.reencryptField(old, { context: 'n' }) as string
    expect(moved).toMatch(`enc:v1:${keyFingerprint(key)}:`)
    expect(createFieldseal({ keys: [key] }).decryptField(moved, { context: 'n' })).toBe(7)
    expect(both.reencryptField(moved, { context: 'n' })).toBe(moved)
    expect(both.reencryptField('plain')).toBe('plain')
  })

  it('isEncrypted recognises the prefix only', () => {
    expect(fs.isEncrypted(fs.encryptField('x'))).toBe(true)
    expect(fs.isEncrypted('enc:')).toBe(true)
    expect(fs.isEncrypted('ENC:x')).toBe(false)
    expect(fs.isEncrypted(1)).toBe(false)
  })
})

describe('documents', () => {
  it('encrypts configured paths at any depth and binds each value to its field name', () => {
    const fs = createFieldseal({ keys: [key], fields: ['ssn', 'cards[*].number', '**.iban'] })
    const doc = {
      ssn: '078-05-1120',
      cards: [{ number: 4111111111111111 }],
      deep: { x: [{ iban: 'DE89' }] },
    }
    const sealed = fs.encryptFields(doc)
    expect(sealed.cards[0]?.number).toMatch(/^enc:v1:/)
    expect(fs.decryptField(sealed.cards[0]?.number, { context: 'number' })).toBe(4111111111111111)
    expect(fs.decryptField(sealed.deep.x[0]?.iban, { context: 'iban' })).toBe('DE89')
    expect(fs.decryptFields(sealed)).toEqual(doc)
  })

  it('reads a bare field name as that field at any depth, inside arrays too; explicit paths stay literal', () => {
    const fs = createFieldseal({ keys: [key], fields: ['ssn', 'customer.card'] })
    const bulk = fs.encryptFields([{ ssn: '078-05-1120', card: '4111' }, { nested: { ssn: 1 } }])
    expect(bulk[0]?.ssn).toMatch(/^enc:v1:/)
    expect((bulk[1] as any).nested.ssn).toMatch(/^enc:v1:/)
    expect(fs.decryptField(bulk[0]?.ssn, { context: 'ssn' })).toBe('078-05-1120')
    expect(bulk[0]?.card).toBe('4111') // `customer.card` is literal: not this card
    const sealed = fs.encryptFields({ customer: { card: '4111' }, other: { card: '5500' } })
    expect(sealed.customer.card).toMatch(/^enc:v1:/)
    expect(sealed.other.card).toBe('5500')
    expect(fs.decryptFields(bulk)).toEqual([
      { ssn: '078-05-1120', card: '4111' },
      { nested: { ssn: 1 } },
    ])
  })

  it('refuses a field spelt like a configured one that would stay plaintext (other case, separators)', () => {
    const fs = createFieldseal({
      keys: [key],
      fields: ['ssn', 'customer.card', 'social_security_number'],
    })
    const variants: Array<[unknown, string]> = [
      [{ SSN: '078-05-1120' }, 'SSN'],
      [[{ name: 'a' }, { Ssn: '078-05-1120' }], '[1].Ssn'],
      [{ customer: { CARD: '4111' } }, 'customer.CARD'],
      [{ socialSecurityNumber: '078-05-1120' }, 'socialSecurityNumber'],
      [{ 'Social Security Number': '078-05-1120' }, '["Social Security Number"]'],
    ]
    for (const [doc, path] of variants) {
      expect(() => fs.encryptFields(doc)).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_FIELD_VARIANT', path }),
      )
      let message = ''
      try {
        fs.encryptFields(doc)
      } catch (error) {
        message = String((error as Error).message)
      }
      expect(message).not.toMatch(/078-05-1120|4111/)
    }
    // Empty values carry nothing to protect; per-call paths are guarded the same way.
    expect(fs.encryptFields({ SSN: '' })).toEqual({ SSN: '' })
    expect(() => fs.encryptFields({ TaxId: '1' }, ['tax_id'])).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_FIELD_VARIANT' }),
    )
  })

  it('uses a configured context string, or none [context: false]', () => {
    const fs = createFieldseal({
      keys: [key],
      fields: [
        { path: 'a', context: 'customer.ssn' },
        { path: 'b', context: false },
      ],
    })
    const sealed = fs.encryptFields({ a: 'x', b: 'y' })
    expect(fs.decryptField(sealed.a, { context: 'customer.ssn' })).toBe('x')
    expect(fs.decryptField(sealed.b)).toBe('y')
  })

  it('falls back to the policy when no fields are configured, whatever the name style', () => {
    const fs = createFieldseal({ keys: [key] })
    const sealed = fs.encryptFields({
      creditCardNumber: '4111',
      notes: 'x',
      people: [{ email: 'a@b.c', name: 'A' }],
    })
    expect(sealed.creditCardNumber).toMatch(/^enc:v1:/)
    expect(sealed.people[0]?.email).toMatch(/^enc:v1:/)
    expect(sealed.notes).toBe('x')
    expect(sealed.people[0]?.name).toBe('A')
    expect(fs.shouldEncryptField('credit_card_number')).toBe(true)
    expect(
      createFieldseal({ keys: [key], policy: { encryptPii: false } }).shouldEncryptField('email'),
    ).toBe(false)
  })

  it('never mutates the input and shares untouched branches', () => {
    const fs = createFieldseal({ keys: [key], fields: ['a.ssn'] })
    const doc = Object.freeze({ a: Object.freeze({ ssn: '1' }), b: Object.freeze({ c: 1 }) })
    const sealed = fs.encryptFields(doc)
    expect(doc.a.ssn).toBe('1')
    expect(sealed.b).toBe(doc.b)
    expect(fs.encryptFields({ other: 1 })).toEqual({ other: 1 })
  })

  it('decryptFields without paths opens every enc: value, each under its own field name', () => {
    const fs = createFieldseal({ keys: [key], fields: ['ssn'] })
    const doc = {
      ssn: fs.encryptField('1', { context: 'ssn' }),
      extra: [{ tag: fs.encryptField('t', { context: 'tag' }) }],
    }
    expect(fs.decryptFields(doc)).toEqual({ ssn: '1', extra: [{ tag: 't' }] })
  })

  it('refuses plaintext in an encrypted field, unless a legacy window is open [legacyPlaintext: true]', () => {
    const events: FieldsealEvent[] = []
    const strict = createFieldseal({ keys: [key], fields: ['ssn'] })
    expect(() => strict.decryptFields({ ssn: '078-05-1120' })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_PLAINTEXT_FIELD', path: 'ssn' }),
    )
    const open = createFieldseal({
      keys: [key],
      fields: ['ssn'],
      legacyPlaintext: true,
      onEvent: (e) => events.push(e),
    })
    expect(open.decryptFields({ ssn: '078-05-1120' })).toEqual({ ssn: '078-05-1120' })
    expect(open.decryptFields({ ssn: '078-05-1120' })).toEqual({ ssn: '078-05-1120' })
    expect(events).toEqual([
      { operation: 'legacy-plaintext', outcome: 'allowed', path: 'ssn' },
      { operation: 'legacy-plaintext', outcome: 'allowed', path: 'ssn' },
    ])
    const migrated = open.reencryptFields({ ssn: '078-05-1120' })
    expect(migrated.ssn).toMatch(/^enc:v1:/)
    expect(strict.decryptFields(migrated)).toEqual({ ssn: '078-05-1120' })
  })

  it('stops reading the legacy format once a migration is done [readLegacy: false]', () => {
    const legacy = `enc:${new AesGcmCipher(key).encrypt('078-05-1120').toString('base64')}`
    const reading = createFieldseal({ keys: [key], fields: ['ssn'] })
    expect(reading.decryptField(legacy)).toBe('078-05-1120')
    const migrated = reading.reencryptFields({ ssn: legacy })
    const events: FieldsealEvent[] = []
    const done = createFieldseal({
      keys: [key],
      fields: ['ssn'],
      readLegacy: false,
      onEvent: (e) => events.push(e),
    })
    const refused = expect.objectContaining({ code: 'ERR_FIELDSEAL_LEGACY_FORMAT', status: 400 })
    expect(() => done.decryptField(legacy)).toThrow(refused)
    expect(() => done.reencryptField(legacy)).toThrow(refused)
    expect(() => done.decryptFields({ ssn: legacy })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_LEGACY_FORMAT', path: 'ssn' }),
    )
    expect(() => done.reencryptFields({ list: [{ ssn: legacy }] })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_LEGACY_FORMAT', path: 'list[0].ssn' }),
    )
    expect(events).toContainEqual(
      expect.objectContaining({ outcome: 'failure', code: 'ERR_FIELDSEAL_LEGACY_FORMAT' }),
    )
    let message = ''
    try {
      done.decryptField(legacy)
    } catch (caught) {
      message = (caught as Error).message
    }
    expect(message).toContain('legacy format')
    expect(message).not.toContain(legacy.slice(4, 20))
    // v1 values, and a malformed value, behave as before.
    expect(done.decryptFields(migrated)).toEqual({ ssn: '078-05-1120' })
    expect(() => done.decryptField('enc:abc')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_MALFORMED' }),
    )
    expect(() => createFieldseal({ keys: [key], readLegacy: 'no' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
  })

  it('names the field path in errors and reports failures to the hook without values', () => {
    const events: FieldsealEvent[] = []
    const fs = createFieldseal({
      keys: [key],
      fields: ['items[*].card'],
      onEvent: (e) => events.push(e),
    })
    const sealed = fs.encryptFields({ items: [{ card: '4111' }, { card: '5500' }] })
    const moved = {
      items: [sealed.items[0], { card: `${(sealed.items[1]!.card as string).slice(0, -2)}AA` }],
    }
    expect(() => fs.decryptFields(moved)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED', path: 'items[1].card' }),
    )
    expect(events[0]).toEqual({
      operation: 'encrypt',
      outcome: 'success',
      kid: keyFingerprint(key),
      count: 2,
      paths: ['items[0].card', 'items[1].card'],
    })
    expect(events[1]).toMatchObject({
      operation: 'decrypt',
      outcome: 'failure',
      path: 'items[1].card',
    })
    expect(JSON.stringify(events)).not.toMatch(/4111|5500|enc:/)
  })

  it('refuses documents that are too deep or have too many encrypted fields [maxDepth: 3, maxFields: 2]', () => {
    const fs = createFieldseal({ keys: [key], fields: ['**.ssn'], maxDepth: 3, maxFields: 2 })
    expect(() => fs.encryptFields({ a: { b: { c: { d: { ssn: 1 } } } } })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_TOO_DEEP' }),
    )
    expect(() => fs.encryptFields([{ ssn: 1 }, { ssn: 2 }, { ssn: 3 }])).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_TOO_MANY_FIELDS', path: '[2].ssn' }),
    )
  })

  it('keeps __proto__, constructor and prototype keys as plain data', () => {
    const fs = createFieldseal({ keys: [key], fields: ['**.ssn'] })
    const doc = JSON.parse(
      '{"__proto__":{"ssn":"1","polluted":true},"constructor":{"prototype":{"ssn":"2"}}}',
    )
    const sealed = fs.encryptFields(doc)
    expect(Object.getPrototypeOf(sealed)).toBe(Object.prototype)
    expect(({} as any).polluted).toBeUndefined()
    expect(Object.hasOwn(sealed, '__proto__')).toBe(true)
    // biome-ignore lint/suspicious/noProto: the own property named __proto__ that the test planted
    expect(sealed.__proto__.ssn).toMatch(/^enc:v1:/)
    const opened = fs.decryptFields(sealed)
    expect(opened).toEqual(doc)
    expect(({} as any).ssn).toBeUndefined()
    expect(() => fs.encryptFields(doc, ['__proto__.ssn'])).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_PATH' }),
    )
  })
})

describe('createFieldseal: blind indexes [blindIndexKey]', () => {
  const indexKey = AesGcmCipher.generateKey().toString('base64')
  const expected = (value: string, field: string, binding?: string) =>
    blindIndex(indexKey, value, field, binding === undefined ? {} : { binding })

  it('indexes with the key given to the instance, no middleware needed', () => {
    const fs = createFieldseal({ keys: [key], blindIndexKey: indexKey })
    expect(fs.blindIndex('123-45-6789', 'ssn')).toBe(expected('123456789', 'ssn'))
    expect(fs.blindIndex('a@x.io', 'email', { binding: 't:1' })).toBe(
      expected('a@x.io', 'email', 't:1'),
    )
    expect(fs.blindIndex('', 'ssn')).toBeUndefined()
  })

  it(`defaults to ${BLIND_INDEX_KEY_ENV_VAR} of env, read once when the instance is created`, () => {
    const env: Record<string, string | undefined> = { [BLIND_INDEX_KEY_ENV_VAR]: indexKey }
    const fs = createFieldseal({ keys: [key], env })
    env[BLIND_INDEX_KEY_ENV_VAR] = AesGcmCipher.generateKey().toString('base64')
    expect(fs.blindIndex('x', 'f')).toBe(expected('x', 'f'))
    const given = createFieldseal({ keys: [key], env, blindIndexKey: indexKey })
    expect(given.blindIndex('x', 'f')).toBe(expected('x', 'f')) // the option wins over env
  })

  it('refuses to start when a field asks for an index and there is no key (ERR_FIELDSEAL_NO_KEY)', () => {
    const fields = ['ssn', { path: 'email', blindIndex: true }]
    expect(() => createFieldseal({ keys: [key], fields, env: {} })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_NO_KEY' }),
    )
    const unindexed = createFieldseal({ keys: [key], fields: ['ssn'], env: {} })
    expect(() => unindexed.blindIndex('x', 'f')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_NO_KEY' }),
    )
  })

  it('refuses a bad key at creation: not 32 bytes, from the option or env, or one of the data keys', () => {
    for (const options of [
      { blindIndexKey: 'c2hvcnQ=' },
      { env: { [BLIND_INDEX_KEY_ENV_VAR]: 'not a key' } },
    ]) {
      expect(() => createFieldseal({ keys: [key], ...options })).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_KEY' }),
      )
    }
    expect(() => createFieldseal({ keys: [key, oldKey], blindIndexKey: oldKey })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
    expect(() => createFieldseal({ keys: [key], blindIndexKey: 42 as never })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
  })

  it("caps indexed values at the instance's maxIndexedLength [maxIndexedLength: 10]", () => {
    const fs = createFieldseal({ keys: [key], blindIndexKey: indexKey, maxIndexedLength: 10 })
    expect(fs.blindIndex('0123456789', 'f')).toBe(expected('0123456789', 'f'))
    expect(() => fs.blindIndex('01234567890', 'f')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_VALUE_TOO_LONG' }),
    )
  })
})

describe('createFieldseal: no hidden doors', () => {
  it('keeps its configuration in a documented, read-only property, never under a symbol', () => {
    const fs = createFieldseal({ keys: [key], fields: ['ssn'], maxDepth: 7 })
    expect(Object.getOwnPropertySymbols(fs)).toEqual([])
    expect(fs.config).toMatchObject({ maxDepth: 7, keys: fs.keySource })
    expect(Object.isFrozen(fs.config)).toBe(true)
    expect(Object.isFrozen(fs.config.fields)).toBe(true)
    expect(() => {
      ;(fs.config as { maxDepth: number }).maxDepth = 1000
    }).toThrow(TypeError)
  })

  it("needs no middleware to have run first: an instance's blind index is the same before and after", () => {
    const fs = createFieldseal({ keys: [key], blindIndexKey: AesGcmCipher.generateKey() })
    const before = fs.blindIndex('x', 'f')
    createHttpPipeline(fs)
    expect(fs.blindIndex('x', 'f')).toBe(before)
  })
})

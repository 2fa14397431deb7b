import { describe, expect, it } from 'vitest'
import { boundContext, checkBinding, contextUnder, fixedBinder } from '../../../src/core/binding.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'

const invalid = expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' })

describe('record binding', () => {
  it('joins binding and field context with U+0000, which a binding may not hold', () => {
    expect(boundContext('tenant:42', 'ssn')).toBe('tenant:42\u0000ssn')
    // Without the separator check, ('a\0b', 'c') and ('a', 'b\0c') would bind the same bytes.
    expect(() => checkBinding('a\u0000b', 'x')).toThrow(invalid)
  })

  it('refuses an empty, non-string or ill-formed binding, naming no value', () => {
    for (const bad of ['', undefined, null, 42, {}, '\uD800']) {
      expect(() => checkBinding(bad, 'where')).toThrow(invalid)
    }
    expect(checkBinding('user:7', 'where')).toBe('user:7')
  })

  it('leaves a context alone without a binder, binds it with one', () => {
    expect(contextUnder(undefined, 'ssn', () => 'ssn')).toBe('ssn')
    const binder = fixedBinder('tenant:A', 'x')
    expect(binder).toBeDefined()
    expect(contextUnder(binder, 'ssn', () => 'ssn')).toBe('tenant:A\u0000ssn')
    expect(fixedBinder(undefined, 'x')).toBeUndefined()
  })
})

describe('record binding in the core API [binding]', () => {
  const fs = createFieldseal({ keys: [AesGcmCipher.generateKey()], fields: ['ssn'] })

  it('seals single values and documents for a binding; they open with that binding only', () => {
    const one = fs.encryptField('078-05-1120', { context: 'ssn', binding: 'tenant:A' })
    expect(fs.decryptField(one, { context: 'ssn', binding: 'tenant:A' })).toBe('078-05-1120')
    for (const other of [{ context: 'ssn' }, { context: 'ssn', binding: 'tenant:B' }]) {
      expect(() => fs.decryptField(one, other)).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED' }),
      )
    }
    const doc = fs.encryptFields([{ ssn: '1' }, { ssn: '2' }], undefined, { binding: 'user:7' })
    expect(fs.decryptField(doc[0]?.ssn, { context: 'ssn', binding: 'user:7' })).toBe('1')
    expect(fs.decryptFields(doc, undefined, { binding: 'user:7' })).toEqual([
      { ssn: '1' },
      { ssn: '2' },
    ])
    expect(() => fs.decryptFields(doc)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED', path: '[0].ssn' }),
    )
  })

  it('keeps the binding through re-encryption to the active key', () => {
    const oldKey = AesGcmCipher.generateKey()
    const before = createFieldseal({ keys: [oldKey], fields: ['ssn'] })
    const sealed = before.encryptFields({ ssn: '1' }, undefined, { binding: 'tenant:A' })
    const after = createFieldseal({ keys: [AesGcmCipher.generateKey(), oldKey], fields: ['ssn'] })
    const moved = after.reencryptFields(sealed, undefined, { binding: 'tenant:A' })
    expect(moved.ssn).not.toBe(sealed.ssn)
    expect(after.decryptFields(moved, undefined, { binding: 'tenant:A' })).toEqual({ ssn: '1' })
    expect(() => after.decryptFields(moved)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED' }),
    )
    expect(() => after.reencryptFields(sealed, undefined, { binding: 'tenant:B' })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED', path: 'ssn' }),
    )
  })

  it('refuses a bad binding and unknown options when called', () => {
    expect(() => fs.encryptFields({ ssn: '1' }, undefined, { binding: '' })).toThrow(invalid)
    expect(() => fs.encryptField('1', { binding: 'a\u0000b' })).toThrow(invalid)
    expect(() => fs.encryptFields({ ssn: '1' }, undefined, { bindng: 'x' } as never)).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/Did you mean "binding"/) }),
    )
  })
})

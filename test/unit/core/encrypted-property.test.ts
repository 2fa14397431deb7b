import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import {
  defineEncryptedProperties,
  encrypted,
  sealedFields,
} from '../../../src/core/encrypted-property.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'

const fs = createFieldseal({ keys: [AesGcmCipher.generateKey()] })

class Customer {
  name = 'Ada'
  @encrypted(fs) accessor ssn: string | null = '078-05-1120'
  @encrypted(fs, { context: 'customer.limit' }) accessor limit: number = 500
}

describe('@encrypted accessor', () => {
  it('stores ciphertext, reads plaintext, keeps types', () => {
    const c = new Customer()
    expect(c.ssn).toBe('078-05-1120')
    expect(c.limit).toBe(500)
    const sealed = sealedFields(c)
    expect(sealed.ssn).toMatch(/^enc:v1:/)
    expect(fs.decryptField(sealed.ssn, { context: 'ssn' })).toBe('078-05-1120')
    expect(fs.decryptField(sealed.limit, { context: 'customer.limit' })).toBe(500)
    c.ssn = '123-45-6789'
    expect(c.ssn).toBe('123-45-6789')
    c.ssn = null
    expect(c.ssn).toBeNull()
  })

  it('never shows plaintext in JSON or inspection', () => {
    const c = new Customer()
    expect(JSON.stringify(c)).not.toContain('078-05-1120')
    expect(inspect(c, { showHidden: true })).not.toContain('078-05-1120')
  })

  it('accepts stored ciphertext on assignment and fails loudly if it belongs elsewhere', () => {
    const c = new Customer()
    c.ssn = fs.encryptField('111-22-3333', { context: 'ssn' }) as string
    expect(c.ssn).toBe('111-22-3333')
    c.ssn = fs.encryptField('111-22-3333', { context: 'other' }) as string
    expect(() => c.ssn).toThrow(expect.objectContaining({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED' }))
  })
})

describe('defineEncryptedProperties', () => {
  it('encrypts the current values of a plain object and hides plaintext from JSON', () => {
    const row = defineEncryptedProperties({ name: 'Ada', ssn: '078-05-1120' }, fs, ['ssn'])
    expect(row.ssn).toBe('078-05-1120')
    expect(JSON.parse(JSON.stringify(row))).toEqual({ name: 'Ada' })
    expect(sealedFields(row).ssn).toMatch(/^enc:v1:/)
    row.ssn = 'x'
    expect(row.ssn).toBe('x')
  })

  it('takes per-property contexts [context: "c"] and refuses prototype names', () => {
    const row = defineEncryptedProperties({ card: 4111 } as { card: number }, fs, {
      card: { context: 'c' },
    })
    expect(fs.decryptField(sealedFields(row).card, { context: 'c' })).toBe(4111)
    expect(() => defineEncryptedProperties({}, fs, ['__proto__'])).toThrow(TypeError)
  })
})

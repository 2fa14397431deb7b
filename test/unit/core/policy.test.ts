import { describe, expect, it } from 'vitest'
import {
  createFieldPolicy,
  ENCRYPTED_FIELDS,
  FINANCIAL_FIELDS,
  normalizeFieldName,
  PII_FIELDS,
} from '../../../src/core/policy.js'

describe('createFieldPolicy', () => {
  it('encrypts the three default sets by default', () => {
    const should = createFieldPolicy()
    for (const name of [...ENCRYPTED_FIELDS, ...PII_FIELDS, ...FINANCIAL_FIELDS])
      expect(should(name)).toBe(true)
    expect(should('name')).toBe(false)
    expect(should('amount')).toBe(false)
  })
  it('switches sets off [encryptPii: false, encryptFinancial: false] but keeps ENCRYPTED_FIELDS', () => {
    const should = createFieldPolicy({ encryptPii: false, encryptFinancial: false })
    expect(should('email')).toBe(false)
    expect(should('iban')).toBe(false)
    expect(should('ssn')).toBe(true)
  })
  it('takes replacement sets', () => {
    const should = createFieldPolicy({
      encryptedFields: ['pin'],
      piiFields: [],
      financialFields: [],
    })
    expect(should('PIN')).toBe(true)
    expect(should('ssn')).toBe(false)
  })
  it('compares normalised names', () => {
    expect(normalizeFieldName('Credit-Card_Number')).toBe('creditcardnumber')
    expect(createFieldPolicy()('bankAccountNumber')).toBe(true)
  })
})

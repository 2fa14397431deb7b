/**
 * Encrypt and decrypt the sensitive fields of a document — nested, in arrays, of any JSON type.
 *
 *     npx tsx examples/encrypt-fields.ts
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { createFieldseal, isFieldsealError } from 'fieldseal'

/** Shows where values are encrypted without printing them: `enc:v1:<kid>:…`. */
const outline = (doc: unknown): string =>
  JSON.stringify(doc, (_key, value) =>
    typeof value === 'string' && value.startsWith('enc:v1:')
      ? `${value.slice(0, value.indexOf(':', 7) + 1)}…`
      : value,
  )

// In an application the key comes from FIELDSEAL_KEYS (base64, 32 bytes): createFieldseal() reads it.
const key = randomBytes(32).toString('base64')
const sealer = createFieldseal({
  keys: [key],
  fields: ['ssn', 'cards[*].number', 'profile.birth_year'],
})

const customer = {
  name: 'Ada Lovelace',
  ssn: '078-05-1120',
  cards: [{ brand: 'visa', number: '4111111111111111' }],
  profile: { birth_year: 1815, city: 'London' },
}

const sealed = sealer.encryptFields(customer)
console.log('stored:', outline(sealed))
// { name: 'Ada Lovelace', ssn: 'enc:v1:<kid>:…', cards: [{ brand: 'visa', number: 'enc:v1:…' }],
//   profile: { birth_year: 'enc:v1:…', city: 'London' } }

const opened = sealer.decryptFields(sealed)
console.log('read back equals the input:', isDeepStrictEqual(opened, customer))
console.log('birth_year is still a number:', typeof opened.profile.birth_year === 'number')
console.log('the input was not changed:', customer.ssn === '078-05-1120')

// Every value is bound to its field: a ciphertext moved into another field does not decrypt.
const moved = { ...sealed, cards: [{ brand: 'visa', number: sealed.ssn }] }
try {
  sealer.decryptFields(moved)
} catch (error) {
  // The error names the code and the path, never the value.
  if (!isFieldsealError(error)) throw error
  console.log('moved value refused:', error.code, 'at', error.path)
}

// Single values: the context plays the part of the field name.
const token = sealer.encryptField('JBSWY3DPEHPK3PXP', { context: 'totp_secret' })
console.log(
  'one value:',
  outline(token),
  'opens:',
  sealer.decryptField(token, { context: 'totp_secret' }) === 'JBSWY3DPEHPK3PXP',
)

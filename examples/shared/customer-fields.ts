/**
 * The customers API's data rules, shared by the Express and Koa examples: which fields are
 * encrypted, how responses are masked, what an admin may see, and how a new customer is
 * validated (on the plaintext the middleware leaves in `req.fieldseal` / `ctx.state.fieldseal`).
 *
 * @module
 */
import type { FieldPaths } from 'fieldseal'
import type { FieldsealRequest, ResponseMaskOptions } from 'fieldseal/express'

/**
 * Columns that hold only `enc:v1:` values (or NULL).
 *
 * @example
 * ```ts
 * for (const column of SENSITIVE_COLUMNS) expect(row[column]).toMatch(/^enc:v1:/)
 * ```
 */
export const SENSITIVE_COLUMNS = [
  'ssn',
  'card_number',
  'bank_account_number',
  'email',
  'phone_number',
  'address',
] as const

/**
 * Every column a client may send.
 *
 * @example
 * ```ts
 * CUSTOMER_COLUMNS.includes('ssn') // true
 * ```
 */
export const CUSTOMER_COLUMNS = ['name', ...SENSITIVE_COLUMNS] as const

/** One column a client may send. */
export type CustomerColumn = (typeof CUSTOMER_COLUMNS)[number]

/**
 * Encrypted fields. `email` also gets a blind index (`email_bidx`), so `GET /customers?email=`
 * finds a customer without decrypting the table.
 *
 * @example
 * ```ts
 * const sealer = createFieldseal({ keyring, fields: CUSTOMER_FIELDS })
 * ```
 */
export const CUSTOMER_FIELDS: FieldPaths = [
  'ssn',
  'card_number',
  'bank_account_number',
  { path: 'email', blindIndex: true },
  'phone_number',
  'address',
]

/**
 * App-level masking of every JSON response: values are decrypted, then masked, so the last four
 * digits shown are the real ones. The address is censored whole (by a rule rather than `paths`,
 * so that a missing address stays `null`).
 *
 * @example
 * ```ts
 * app.use(express.json(), fieldseal(sealer, { mask: RESPONSE_MASK }))
 * ```
 */
export const RESPONSE_MASK: ResponseMaskOptions = {
  decrypt: true,
  rules: {
    '**.ssn': 'ssn',
    '**.card_number': 'card',
    '**.bank_account_number': 'last4',
    '**.email': 'email',
    '**.phone_number': 'phone',
    '**.address': () => '[REDACTED]',
  },
}

/**
 * What an authorised caller gets in full on `GET /customers/:id`. The card number stays masked
 * even then: nothing in this API needs the full number once it is stored (PCI DSS 3.4).
 *
 * @example
 * ```ts
 * app.get('/customers/:id', onlyFor(isAdmin, mask(ADMIN_VIEW)), show)
 * ```
 */
export const ADMIN_VIEW: ResponseMaskOptions = {
  reveal: ['ssn', 'bank_account_number', 'email', 'phone_number', 'address'],
}

const RULES: Readonly<
  Record<CustomerColumn, { readonly test: (text: string) => boolean; readonly hint: string }>
> = {
  name: {
    test: (text) => text.trim().length > 0 && text.length <= 200,
    hint: '1 to 200 characters',
  },
  ssn: { test: (text) => /^\d{3}-?\d{2}-?\d{4}$/.test(text), hint: 'nine digits, as 123-45-6789' },
  card_number: { test: luhnValid, hint: '12 to 19 digits with a valid check digit' },
  bank_account_number: { test: (text) => /^\d{4,17}$/.test(text), hint: '4 to 17 digits' },
  email: {
    test: (text) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text) && text.length <= 254,
    hint: 'an e-mail address',
  },
  phone_number: { test: (text) => /^\+?[\d\s().-]{7,20}$/.test(text), hint: 'a phone number' },
  address: {
    test: (text) => text.trim().length > 0 && text.length <= 500,
    hint: '1 to 500 characters',
  },
}

/** Luhn check (ISO/IEC 7812-1) over the digits; spaces and dashes are allowed between them. */
function luhnValid(text: string): boolean {
  if (!/^[\d -]+$/.test(text)) return false
  const digits = text.replace(/[ -]/g, '')
  if (digits.length < 12 || digits.length > 19) return false
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2
    sum += digit
  }
  return sum % 10 === 0
}

/** One invalid field: its name and what was expected — never the value. */
export interface FieldProblem {
  readonly field: string
  readonly expected: string
}

/**
 * Validates a new customer on the plaintext of the request (`name` and `email` are required, the
 * rest optional; every field present must be a string of the right shape). Returns the problems,
 * empty when the customer is valid.
 *
 * @example
 * ```ts
 * const problems = validateCustomer(req.fieldseal)
 * if (problems.length > 0) return res.status(422).json({ problems })
 * ```
 */
export function validateCustomer(plaintext: FieldsealRequest | undefined): FieldProblem[] {
  if (plaintext === undefined) return [{ field: '', expected: 'a JSON object' }]
  const body = plaintext.plaintext
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [{ field: '', expected: 'a JSON object' }]
  }
  const problems: FieldProblem[] = []
  for (const column of CUSTOMER_COLUMNS) {
    const value = plaintext.get(column)
    const required = column === 'name' || column === 'email'
    if (value === undefined || value === null || value === '') {
      if (required) problems.push({ field: column, expected: RULES[column].hint })
      continue
    }
    if (typeof value !== 'string' || !RULES[column].test(value)) {
      problems.push({ field: column, expected: RULES[column].hint })
    }
  }
  return problems
}

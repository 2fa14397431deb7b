/**
 * Which fields are sensitive by name: the reference design's field sets and its policy
 * (`encrypt_pii`, `encrypt_financial`), overridable.
 *
 * Names are compared after normalisation (lower case, `_`, `-` and spaces removed), so
 * `credit_card_number`, `creditCardNumber` and `Credit-Card-Number` are one field.
 *
 * @module
 */

/** Always encrypted, whatever the policy: secrets nobody needs to read back in bulk. */
export const ENCRYPTED_FIELDS: ReadonlySet<string> = new Set([
  'ssn',
  'social_security_number',
  'tax_id',
  'totp_secret',
  'mfa_secret',
  'api_secret',
  'private_key',
])

/** Personal data, encrypted when the policy's `encryptPii` is on (the default). */
export const PII_FIELDS: ReadonlySet<string> = new Set([
  'ssn',
  'social_security_number',
  'tax_id',
  'national_id',
  'passport_number',
  'drivers_license_number',
  'date_of_birth',
  'email',
  'phone',
  'phone_number',
  'address',
])

/** Financial data, encrypted when the policy's `encryptFinancial` is on (the default). */
export const FINANCIAL_FIELDS: ReadonlySet<string> = new Set([
  'credit_card_number',
  'card_number',
  'card_cvv',
  'cvv',
  'bank_account_number',
  'account_number',
  'routing_number',
  'iban',
  'tax_id',
])

/** Options of the field-name policy. */
export interface PolicyOptions {
  /** Encrypt the PII set. Defaults to `true`. */
  readonly encryptPii?: boolean
  /** Encrypt the financial set. Defaults to `true`. */
  readonly encryptFinancial?: boolean
  /** Replaces {@link ENCRYPTED_FIELDS}. */
  readonly encryptedFields?: Iterable<string>
  /** Replaces {@link PII_FIELDS}. */
  readonly piiFields?: Iterable<string>
  /** Replaces {@link FINANCIAL_FIELDS}. */
  readonly financialFields?: Iterable<string>
}

/** Lower case without `_`, `-` or spaces: the form field names are compared in. */
export function normalizeFieldName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]/g, '')
}

const normalizedSet = (names: Iterable<string>) => new Set([...names].map(normalizeFieldName))

/**
 * Builds the `shouldEncryptField(name)` predicate of a policy.
 *
 * @example
 * ```ts
 * const should = createFieldPolicy({ encryptPii: false })
 * should('creditCardNumber') // true (financial)
 * should('email') // false (PII, switched off)
 * ```
 */
export function createFieldPolicy(
  options: Readonly<PolicyOptions> = {},
): (name: string) => boolean {
  const selected = new Set(normalizedSet(options.encryptedFields ?? ENCRYPTED_FIELDS))
  if (options.encryptPii ?? true) {
    for (const name of normalizedSet(options.piiFields ?? PII_FIELDS)) selected.add(name)
  }
  if (options.encryptFinancial ?? true) {
    for (const name of normalizedSet(options.financialFields ?? FINANCIAL_FIELDS))
      selected.add(name)
  }
  return function shouldEncryptField(name: string): boolean {
    return typeof name === 'string' && selected.has(normalizeFieldName(name))
  }
}

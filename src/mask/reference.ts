/**
 * The reference design's masking functions (`mask_field`, `mask_email`, `mask_phone`,
 * `FieldMasker.mask_dict`), with the same results (test/fixtures/masking.json).
 *
 * Lengths count Unicode code points, never UTF-16 units, so a surrogate pair such as an emoji is
 * one character and is never cut in half. One deliberate fix of the reference: `visible = 0`
 * masks every character (the reference's `value[-0:]` revealed the whole value).
 *
 * @module
 */
import { codePoints, isHigh, isLow, lastWidth, maskTail, repeat } from '../util/code-points.js'

/** What a value that cannot be masked character by character (an object) becomes. */
export const DEFAULT_CENSOR = '[REDACTED]'

function checkString(value: unknown, name: string, where: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${where}: ${name} must be a string`)
}

/**
 * Masks all but the last `visible` code points of `value`.
 *
 * `''` stays `''`; a value of `visible` code points or fewer is masked whole; `visible = 0`
 * masks everything. Throws a `TypeError` when `value` is not a string, `visible` is not a
 * non-negative integer or `maskChar` is not exactly one code point.
 *
 * @example
 * ```ts
 * maskField('4111111111111111')        // '************1111'
 * maskField('021000021', 1, '•')       // '••••••••1'
 * maskField('1234')                    // '****'
 * ```
 */
export function maskField(value: string, visible = 4, maskChar = '*'): string {
  checkString(value, 'value', 'maskField')
  if (typeof visible !== 'number' || !Number.isSafeInteger(visible) || visible < 0) {
    throw new TypeError('maskField: visible must be a non-negative integer')
  }
  checkString(maskChar, 'maskChar', 'maskField')
  const single =
    maskChar.length === 1
      ? !isHigh(maskChar.charCodeAt(0)) && !isLow(maskChar.charCodeAt(0))
      : maskChar.length === 2 && lastWidth(maskChar, 2) === 2
  if (!single) throw new TypeError('maskField: maskChar must be exactly one character')
  return maskTail(value, visible, maskChar)
}

const isAsciiDigit = (unit: number): boolean => unit >= 0x30 && unit <= 0x39

// Unicode decimal digits (general category Nd), as Python's str.isdigit accepted them.
const DECIMAL_DIGIT = /^\p{Nd}$/u

/**
 * Keeps only the decimal digits of `phone` (any script: `٠١٢` counts) and shows the last four.
 * A value without digits becomes `''`.
 *
 * @example
 * ```ts
 * maskPhone('+1 (555) 123-4567') // '*******4567'
 * maskPhone('phone: n/a')        // ''
 * ```
 */
export function maskPhone(phone: string): string {
  checkString(phone, 'phone', 'maskPhone')
  // Fast path for ASCII text: count the digits and pick the last four without building a copy.
  let count = 0
  let ascii = true
  for (let i = 0; i < phone.length; i++) {
    const unit = phone.charCodeAt(i)
    if (isAsciiDigit(unit)) count++
    else if (unit >= 0x80) {
      ascii = false
      break
    }
  }
  if (ascii) {
    if (count <= 4) return repeat('*', count)
    let tail = ''
    let end = phone.length
    while (tail.length < 4) {
      // Take the last run of digits (usually all four at once) with one slice.
      while (!isAsciiDigit(phone.charCodeAt(end - 1))) end--
      let start = end - 1
      while (end - start < 4 - tail.length && isAsciiDigit(phone.charCodeAt(start - 1))) start--
      tail = phone.slice(start, end) + tail
      end = start
    }
    return repeat('*', count - 4) + tail
  }
  let digits = ''
  for (let i = 0; i < phone.length; i++) {
    const unit = phone.charCodeAt(i)
    if (isAsciiDigit(unit)) {
      digits += phone[i]
    } else if (unit >= 0x80) {
      // Only non-ASCII characters pay for the Unicode property test.
      const char = String.fromCodePoint(phone.codePointAt(i) as number)
      if (DECIMAL_DIGIT.test(char)) digits += char
      i += char.length - 1
    }
  }
  return maskTail(digits, 4, '*')
}

/**
 * Masks the local part of an email address, keeping its first and last character; the domain is
 * shown. A local part of one or two characters is masked whole. Splits at the first `@`; a value
 * without `@`, or with nothing before it, is returned unchanged.
 *
 * @example
 * ```ts
 * maskEmail('john.doe@example.com') // 'j******e@example.com'
 * maskEmail('ab@x.io')              // '**@x.io'
 * maskEmail('no-at-sign')           // 'no-at-sign'
 * ```
 */
export function maskEmail(email: string): string {
  checkString(email, 'email', 'maskEmail')
  const at = email.indexOf('@')
  if (at <= 0) return email
  const count = codePoints(email, 0, at)
  if (count <= 2) return repeat('*', count) + email.slice(at)
  const first = isHigh(email.charCodeAt(0)) && isLow(email.charCodeAt(1)) ? 2 : 1
  const last = at - lastWidth(email, at)
  return email.slice(0, first) + repeat('*', count - 2) + email.slice(last)
}

const lastFour = (text: string): string => maskTail(text, 4, '*')

/** The reference's `FieldMasker` rules: field name → masking function. */
const REFERENCE_RULES: ReadonlyMap<string, (text: string) => string> = new Map([
  ['ssn', lastFour],
  ['tax_id', lastFour],
  ['credit_card_number', lastFour],
  ['bank_account_number', lastFour],
  ['routing_number', lastFour],
  ['phone_number', maskPhone],
  ['email', maskEmail],
])

/** The text a primitive is masked as (`str(value)` in the reference); `undefined` for objects. */
export function maskableText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value)
    default:
      return undefined
  }
}

/**
 * The reference's `FieldMasker.mask_dict`: masks the top-level `fields` of `obj` (default: every
 * field with a rule — ssn, tax_id, credit_card_number, bank_account_number, routing_number:
 * last 4; phone_number: {@link maskPhone}; email: {@link maskEmail}). A listed field without a
 * rule is masked last-4. Values are masked as text, so numbers become strings (`683006012` in
 * `email` comes back as `'683006012'`); `''`, `null` and `undefined` pass unchanged; an object
 * or array becomes `'[REDACTED]'`. Returns a new object; `obj` is not modified.
 *
 * @example
 * ```ts
 * maskDict({ ssn: '123-45-6789', name: 'Ann' })   // { ssn: '*******6789', name: 'Ann' }
 * maskDict({ name: 'Ann', ssn: '1' }, ['name'])   // { name: '***', ssn: '1' }
 * ```
 */
export function maskDict<T extends object>(obj: T, fields?: readonly string[] | null): T {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new TypeError('maskDict: obj must be an object')
  }
  if (fields != null && (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string'))) {
    throw new TypeError('maskDict: fields must be an array of strings, null or undefined')
  }
  const source = obj as Record<string, unknown>
  const result: Record<string, unknown> =
    Object.getPrototypeOf(obj) === null ? Object.assign(Object.create(null), obj) : { ...obj }
  for (const field of new Set(fields ?? REFERENCE_RULES.keys())) {
    if (!Object.hasOwn(source, field)) continue
    const value = source[field]
    if (value === '' || value === null || value === undefined) continue
    const text = maskableText(value)
    const masked =
      text === undefined ? DEFAULT_CENSOR : (REFERENCE_RULES.get(field) ?? lastFour)(text)
    // defineProperty keeps an own "__proto__" key a plain data property.
    Object.defineProperty(result, field, {
      value: masked,
      writable: true,
      enumerable: true,
      configurable: true,
    })
  }
  return result as T
}

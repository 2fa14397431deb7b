/**
 * Recognising card numbers and US Social Security numbers by their value, whatever the field is
 * called. Used by the masker's opt-in `detect` option. Detection is a heuristic: it catches
 * sensitive values in fields nobody configured, and it can also match an unrelated number of the
 * same shape (about one random 13–19 digit number in ten passes the Luhn check). Name sensitive
 * fields by path; treat detection as a safety net.
 *
 * @module
 */

/**
 * True when `digits` is a non-empty string of ASCII digits whose Luhn (mod 10) check digit is
 * right (ISO/IEC 7812-1, Annex B). Anything else, including separators, gives `false`.
 *
 * @example
 * ```ts
 * isLuhnValid('4111111111111111') // true
 * isLuhnValid('4111111111111112') // false
 * ```
 */
export function isLuhnValid(digits: string): boolean {
  if (typeof digits !== 'string' || digits.length === 0) return false
  let sum = 0
  let double = false
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 0x30
    if (digit < 0 || digit > 9) return false
    if (double) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
    double = !double
  }
  return sum % 10 === 0
}

// Digit groups joined by one kind of separator used singly: "4111 1111 1111 1111",
// "4111-1111-1111-1111" or "4111111111111111"; not "4111  1111" nor "4111 1111-1111".
const CARD_SHAPE = /^[0-9]+(?:([ -])[0-9]+(?:\1[0-9]+)*)?$/
const SEPARATORS = /[ -]/g
// ISO/IEC 7812 primary account numbers are 8 to 19 digits; payment cards use 13 to 19.
const MIN_CARD_DIGITS = 13
const MAX_CARD_DIGITS = 19

/**
 * True for a string that looks like a payment card number: 13 to 19 digits, optionally grouped
 * with single spaces or single dashes (one kind per value), passing the Luhn check. Non-strings
 * give `false`.
 *
 * @example
 * ```ts
 * looksLikeCardNumber('4111 1111 1111 1111') // true
 * looksLikeCardNumber('4111-1111-1111-1112') // false: Luhn check fails
 * ```
 */
export function looksLikeCardNumber(text: unknown): boolean {
  if (typeof text !== 'string') return false
  // Cheap length bounds first: 19 digits with a separator between each are 37 characters.
  if (text.length < MIN_CARD_DIGITS || text.length > 2 * MAX_CARD_DIGITS - 1) return false
  if (!CARD_SHAPE.test(text)) return false
  const digits = text.replace(SEPARATORS, '')
  return digits.length >= MIN_CARD_DIGITS && digits.length <= MAX_CARD_DIGITS && isLuhnValid(digits)
}

const SSN_SHAPE = /^(?:([0-9]{3})-([0-9]{2})-([0-9]{4})|([0-9]{3})([0-9]{2})([0-9]{4}))$/

/**
 * True for a string shaped like a US Social Security number that could have been issued:
 * `ddd-dd-dddd` or nine digits, except the ranges the Social Security Administration never
 * assigns — area `000`, `666` and `900`–`999`, group `00`, serial `0000`
 * (SSA, "Social Security Number Randomization", June 2011). ITINs (area 9xx) are
 * therefore not matched. Non-strings give `false`.
 *
 * @example
 * ```ts
 * looksLikeSsn('123-45-6789') // true
 * looksLikeSsn('666-45-6789') // false: area 666 is never assigned
 * ```
 */
export function looksLikeSsn(text: unknown): boolean {
  if (typeof text !== 'string' || (text.length !== 9 && text.length !== 11)) return false
  const match = SSN_SHAPE.exec(text)
  if (match === null) return false
  const area = (match[1] ?? match[4]) as string
  const group = (match[2] ?? match[5]) as string
  const serial = (match[3] ?? match[6]) as string
  return area !== '000' && area !== '666' && area < '900' && group !== '00' && serial !== '0000'
}

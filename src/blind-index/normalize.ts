/**
 * The normalisation a blind index is computed over, in work linear in the value's length.
 *
 * The rules (unchanged since 0.1.0, so stored indexes keep matching):
 * 1. numbers and booleans become their JSON text; objects and arrays are refused;
 * 2. Unicode NFKC (full-width digits become ASCII digits), trim, runs of white space become one
 *    space, lower case;
 * 3. a numeric-looking identifier — at least one digit and otherwise only spaces, `-`, `(`, `)`,
 *    `+` and `/` — keeps its digits only: `123-45-6789`, `123 45 6789` and `123456789` index
 *    alike. A `.` is kept, so `1.5` and `15` stay different.
 *
 * Version 0.1.0 did steps 2 and 3 with regular expressions, one of which backtracked
 * quadratically: 100 kB of digits and one letter held the event loop for over ten seconds. Here
 * they are single passes over the code units, with no regular expression, and the value's length
 * is capped before any work is done.
 *
 * @module
 */
import { isWellFormedText } from '../util/code-points.js'
import { FieldsealError, type FieldsealErrorCode } from '../errors.js'

/**
 * Longest value (UTF-16 code units, before normalisation) indexed by default.
 *
 * @example
 * ```ts
 * createFieldseal({ fields: ['address'], maxIndexedLength: 2 * DEFAULT_MAX_INDEXED_LENGTH }) // long addresses
 * ```
 */
export const DEFAULT_MAX_INDEXED_LENGTH = 4096

/**
 * The white space of ECMAScript's `\s` and `String.prototype.trim` (WhiteSpace and
 * LineTerminator, ECMA-262 §12.2 and §12.3), which 0.1.0 collapsed and trimmed.
 */
function isWhiteSpace(unit: number): boolean {
  if (unit <= 0x20) return unit === 0x20 || (unit >= 0x09 && unit <= 0x0d)
  if (unit < 0xa0) return false
  return (
    unit === 0xa0 ||
    unit === 0x1680 ||
    (unit >= 0x2000 && unit <= 0x200a) ||
    unit === 0x2028 ||
    unit === 0x2029 ||
    unit === 0x202f ||
    unit === 0x205f ||
    unit === 0x3000 ||
    unit === 0xfeff
  )
}

const isDigit = (unit: number): boolean => unit >= 0x30 && unit <= 0x39

/** `(`, `)`, `+`, `/` and `-`: the separators a numeric-looking identifier may hold. */
const isSeparator = (unit: number): boolean =>
  unit === 0x28 || unit === 0x29 || unit === 0x2b || unit === 0x2f || unit === 0x2d

/** `text` trimmed, with every run of white space replaced by one space. */
function collapseWhiteSpace(text: string): string {
  let out = ''
  let wordStart = -1
  for (let i = 0; i < text.length; i++) {
    if (!isWhiteSpace(text.charCodeAt(i))) {
      if (wordStart === -1) wordStart = i
    } else if (wordStart !== -1) {
      out += (out === '' ? '' : ' ') + text.slice(wordStart, i)
      wordStart = -1
    }
  }
  if (wordStart !== -1) out += (out === '' ? '' : ' ') + text.slice(wordStart)
  return out
}

/**
 * The digits of `text` when it is a numeric-looking identifier (rule 3), else `text`. One pass
 * decides; a second copies the runs of digits.
 */
function keepDigitsOfIdentifier(text: string): string {
  let digits = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (isDigit(unit)) digits++
    else if (!isSeparator(unit) && !isWhiteSpace(unit)) return text
  }
  if (digits === 0 || digits === text.length) return text
  let out = ''
  let runStart = -1
  for (let i = 0; i < text.length; i++) {
    if (isDigit(text.charCodeAt(i))) {
      if (runStart === -1) runStart = i
    } else if (runStart !== -1) {
      out += text.slice(runStart, i)
      runStart = -1
    }
  }
  return runStart === -1 ? out : out + text.slice(runStart)
}

function refuse(code: FieldsealErrorCode, message: string, path: string | undefined) {
  return new FieldsealError(code, message, path === undefined ? {} : { path })
}

/**
 * The normalised text a blind index is computed over (see the module notes), or `undefined`
 * for an empty value (`''`, `null`, `undefined`, only white space), which gets no index.
 * Throws `ERR_FIELDSEAL_UNSUPPORTED_VALUE` for objects, arrays, non-finite numbers and text that
 * is not well-formed UTF-16 (a lone surrogate would be indexed as U+FFFD, so two different values
 * would share an index), and `ERR_FIELDSEAL_VALUE_TOO_LONG` for text longer than `maxLength`
 * code units.
 *
 * @example
 * ```ts
 * normalizeForBlindIndex(' 123-45-6789 ') // '123456789'
 * normalizeForBlindIndex('Ann@Example.COM') // 'ann@example.com'
 * ```
 */
export function normalizeForBlindIndex(
  value: unknown,
  path?: string,
  maxLength: number = DEFAULT_MAX_INDEXED_LENGTH,
): string | undefined {
  // NaN would compare false with every length and lift the cap.
  if (typeof maxLength !== 'number' || !(maxLength >= 0)) {
    throw new TypeError('maxLength must be a non-negative number')
  }
  let text: string
  if (typeof value === 'string') text = value
  else if (value === null || value === undefined) return undefined
  else if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
    text = String(value)
  } else {
    const what = Array.isArray(value) ? 'an array' : typeof value
    const message = `a blind index needs a string, number or boolean, not ${what}`
    throw refuse('ERR_FIELDSEAL_UNSUPPORTED_VALUE', message, path)
  }
  // Before any work: the cap is what bounds the cost of a request.
  if (text.length > maxLength) {
    const message = `a blind-indexed value is longer than ${maxLength} characters`
    throw refuse('ERR_FIELDSEAL_VALUE_TOO_LONG', message, path)
  }
  if (!isWellFormedText(text)) {
    const message = 'a blind-indexed value is not well-formed Unicode (a lone surrogate)'
    throw refuse('ERR_FIELDSEAL_UNSUPPORTED_VALUE', message, path)
  }
  const normalised = collapseWhiteSpace(text.normalize('NFKC')).toLowerCase()
  if (normalised === '') return undefined
  return keepDigitsOfIdentifier(normalised)
}

/**
 * The plaintext of a value (value format v1): the UTF-8 of the field value's JSON text, written
 * with `JSON.stringify` and read back with strict UTF-8 and `JSON.parse` — anything else is
 * malformed. A legacy value's plaintext is a raw UTF-8 string, decoded just as strictly.
 *
 * 0.1.0 decoded with replacement (invalid UTF-8 became U+FFFD) and took any text between two
 * quotes without a backslash for a string, so `"a"b"` opened as `a"b`: values only another
 * implementation could write, but which the format calls malformed.
 *
 * @module
 */
import { isUtf8 } from 'node:buffer'
import { FieldsealError } from '../errors.js'

/**
 * A JSON string without escapes (RFC 8259 §7: every character unescaped, so none is `"`, `\` or
 * below U+0020): exactly the texts whose value is the text between the quotes. Past a short
 * length JSON.parse's own scan is faster than this pattern.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw controls in strings
const PLAIN_JSON_STRING = /^"[^"\\\u0000-\u001f]*"$/
const PLAIN_STRING_MAX_LENGTH = 128

/**
 * Bytes as text when they are well-formed UTF-8 (no invalid or overlong sequence, no encoded
 * surrogate, nothing past U+10FFFF), else `undefined`. A leading BOM is kept: it is text, not a
 * marker. The same result as `new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })`.
 *
 * @example
 * ```ts
 * decodeUtf8Strict(Buffer.from('"ssn"')) // '"ssn"'
 * decodeUtf8Strict(Uint8Array.of(0xff)) // undefined
 * ```
 */
export function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
  if (!isUtf8(bytes)) return undefined
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
}

/**
 * The value the JSON text of a v1 plaintext stands for: exactly `JSON.parse(text)` (a fresh copy
 * each call, never an object shared with the caller of `sealValue`). Throws JSON.parse's
 * `SyntaxError` — whose message quotes the text, so callers must not pass it on.
 *
 * @example
 * ```ts
 * parsePlaintextText('"078-05-1120"') // '078-05-1120'
 * parsePlaintextText('"a"b"') // throws SyntaxError
 * ```
 */
export function parsePlaintextText(text: string): unknown {
  // For a text the pattern matches, JSON.parse gives the text between the quotes: the common
  // short string skips the parser.
  if (text.length <= PLAIN_STRING_MAX_LENGTH && PLAIN_JSON_STRING.test(text)) {
    return text.slice(1, -1)
  }
  return JSON.parse(text)
}

function rejectNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new RangeError('non-finite number')
  return value
}

function unsupported(message: string, path: string | undefined, cause?: unknown): FieldsealError {
  return new FieldsealError('ERR_FIELDSEAL_UNSUPPORTED_VALUE', message, {
    ...(path === undefined ? {} : { path }),
    ...(cause === undefined ? {} : { cause }),
  })
}

/**
 * The JSON text a value is sealed as, refusing what JSON would silently change (`NaN`,
 * `Infinity`) or drop (functions, symbols, `undefined`) with `ERR_FIELDSEAL_UNSUPPORTED_VALUE`.
 * Lone surrogates come out escaped (`"\ud800"`), so the text is always well-formed UTF-16.
 *
 * @example
 * ```ts
 * serializeValue({ a: [1, 'x'] }) // '{"a":[1,"x"]}'
 * ```
 */
export function serializeValue(value: unknown, path?: string): string {
  let text: string | undefined
  try {
    text =
      typeof value === 'object' ? JSON.stringify(value, rejectNonFinite) : JSON.stringify(value)
  } catch (cause) {
    throw unsupported('value cannot be encrypted as JSON', path, cause)
  }
  if (text === undefined || (typeof value === 'number' && !Number.isFinite(value))) {
    throw unsupported(`a ${typeof value} value cannot be encrypted`, path)
  }
  return text
}

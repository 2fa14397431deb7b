/**
 * Checks of single values of a stored keyring document, for `document-check.ts`. Each throws
 * `ERR_FIELDSEAL_STORE_CORRUPT` naming where the value sits, never the value itself.
 *
 * @module
 */
import { decodeBase64UrlStrict } from '../crypto/base64.js'
import { FieldsealError } from '../errors.js'

// ISO 8601 as Date#toISOString writes it (a few writers omit the milliseconds or use an offset).
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/
const MAX_TEXT = 4096

/**
 * `ERR_FIELDSEAL_STORE_CORRUPT` about the value at `where`.
 *
 * @example
 * ```ts
 * throw corrupt('keys[2].status', 'is unknown')
 * ```
 */
export function corrupt(where: string, why: string): FieldsealError {
  return new FieldsealError('ERR_FIELDSEAL_STORE_CORRUPT', `keyring document: ${where} ${why}`)
}

/**
 * A plain object holding only the `known` properties (an unknown name is not echoed: it may be
 * anything).
 *
 * @example
 * ```ts
 * const master = objectAt(doc.master, 'master', ['source', 'salt', 'iterations', 'check'])
 * ```
 */
export function objectAt(
  value: unknown,
  where: string,
  known: readonly string[],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw corrupt(where, 'is not an object')
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw corrupt(where, 'has an unknown property')
  }
  return value as Record<string, unknown>
}

/**
 * A safe integer of at least `min`.
 *
 * @example
 * ```ts
 * integerAt(doc.revision, 'revision', 1)
 * ```
 */
export function integerAt(value: unknown, where: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw corrupt(where, `is not an integer >= ${min}`)
  }
  return value
}

/**
 * A non-empty string of reasonable length, or `null` where `nullable`.
 *
 * @example
 * ```ts
 * textAt(record.rotatedBy, 'keys[0].rotatedBy', true)
 * ```
 */
export function textAt(value: unknown, where: string, nullable = false): string | null {
  if (nullable && value === null) return null
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) {
    throw corrupt(where, 'is not a non-empty string')
  }
  return value
}

/**
 * An ISO 8601 timestamp, or `null` where `nullable`.
 *
 * @example
 * ```ts
 * timestampAt(record.createdAt, 'keys[0].createdAt')
 * ```
 */
export function timestampAt(value: unknown, where: string, nullable = false): string | null {
  if (nullable && value === null) return null
  if (typeof value !== 'string' || !ISO_TIMESTAMP.test(value) || Number.isNaN(Date.parse(value))) {
    throw corrupt(where, 'is not an ISO 8601 timestamp')
  }
  return value
}

/**
 * Canonical base64url of at least `minBytes` bytes.
 *
 * @example
 * ```ts
 * base64UrlAt(doc.macKey, 'macKey', 29)
 * ```
 */
export function base64UrlAt(value: unknown, where: string, minBytes: number, what: string): string {
  const bytes = typeof value === 'string' ? decodeBase64UrlStrict(value) : undefined
  if (bytes === undefined || bytes.length < minBytes) throw corrupt(where, `is not ${what}`)
  return value as string
}

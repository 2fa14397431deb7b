/**
 * Re-encryption of one record inside a batch job, and what the batch jobs share: which errors
 * belong to one record's data (reported, the job goes on) and which stop the job, and the
 * validation of their common options.
 *
 * @module
 */
import { FieldsealError, type FieldsealErrorCode } from '../errors.js'
import type { Fieldseal } from '../core/fieldseal.js'
import { booleanOption, invalidOption } from '../util/option-checks.js'
import { resolveFields, type FieldPaths } from '../core/options.js'

/**
 * Codes that describe one record's data; any other error stops a batch.
 *
 * @example
 * ```ts
 * function isRecordError(error: unknown): boolean {
 *   return error instanceof FieldsealError && RECORD_ERROR_CODES.has(error.code)
 * }
 * ```
 */
export const RECORD_ERROR_CODES: ReadonlySet<FieldsealErrorCode> = new Set<FieldsealErrorCode>([
  'ERR_FIELDSEAL_MALFORMED',
  'ERR_FIELDSEAL_UNKNOWN_KEY',
  'ERR_FIELDSEAL_KEY_UNAVAILABLE',
  'ERR_FIELDSEAL_DECRYPT_FAILED',
  'ERR_FIELDSEAL_PLAINTEXT_FIELD',
  'ERR_FIELDSEAL_UNSUPPORTED_VALUE',
  'ERR_FIELDSEAL_TOO_DEEP',
  'ERR_FIELDSEAL_TOO_MANY_FIELDS',
])

/**
 * Validates the options shared by the batch re-encryptors (`fields`, `binding`, `onProgress`,
 * `signal`, `stopOnError`); returns the field paths, frozen.
 *
 * @example
 * ```ts
 * const fields = checkBatchOptions({ fields: ['ssn'] }, 'reencryptTable')
 * ```
 */
export function checkBatchOptions(
  options: Record<string, unknown>,
  where: string,
): FieldPaths | undefined {
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw invalidOption(where, 'onProgress must be a function')
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw invalidOption(where, 'signal must be an AbortSignal')
  }
  booleanOption(options.stopOnError, false, 'stopOnError', where)
  if (options.binding !== undefined && typeof options.binding !== 'function') {
    throw invalidOption(where, 'binding must be a function of the record that returns a string')
  }
  if (options.fields === undefined) return undefined
  resolveFields(options.fields, where)
  return Object.freeze([...(options.fields as FieldPaths)])
}

/**
 * Re-encrypts one record, under its record binding if it has one (what the middleware's
 * `binding` gave when it was sealed). A data error of the record comes back as `error`;
 * anything else — a binding that is no usable string among them — throws.
 *
 * @example
 * ```ts
 * const { record, changed, error } = reencryptRecord(fieldseal, row, undefined, 'tenant:42')
 * ```
 */
export function reencryptRecord<T>(
  fieldseal: Fieldseal,
  record: T,
  fields: FieldPaths | undefined,
  binding?: string,
): { record: T; changed: boolean; error?: FieldsealError } {
  try {
    const next = fieldseal.reencryptFields(
      record,
      fields,
      binding === undefined ? undefined : { binding },
    )
    return { record: next, changed: next !== record }
  } catch (error) {
    if (error instanceof FieldsealError && RECORD_ERROR_CODES.has(error.code)) {
      return { record, changed: false, error }
    }
    throw error
  }
}

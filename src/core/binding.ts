/**
 * Record binding: a value sealed for more than its field — a tenant, a user, a record — so that a
 * ciphertext copied out of one record does not open in another.
 *
 * Without a binding, a value is bound to its field name only: anyone who holds a ciphertext (a
 * backup, a replica, an export) and can write it into that field of a record they can read back
 * decrypted reads it. With a binding, the context bound into the AAD is
 *
 *     binding ‖ U+0000 ‖ field context
 *
 * A binding is a non-empty, well-formed string without U+0000, so the split at the first U+0000
 * is unambiguous: two different (binding, field) pairs never bind the same bytes.
 *
 * @module
 */
import { isWellFormedText } from '../util/code-points.js'
import { FieldsealError } from '../errors.js'

/** The record binding of the value at a printable path (`customers[2].ssn`). */
export type Binder = (path: string) => string

const SEPARATOR = '\u0000'

/**
 * The context a bound value is sealed under: `binding`, U+0000, then the field's context.
 *
 * @example
 * ```ts
 * boundContext('tenant:42', 'ssn') // 'tenant:42\u0000ssn'
 * ```
 */
export function boundContext(binding: string, context: string): string {
  return binding + SEPARATOR + context
}

/**
 * Returns `value` when it is a usable binding, else throws `ERR_FIELDSEAL_INVALID_OPTION`
 * (never a value in the message): a binding must be a non-empty, well-formed string without
 * U+0000. An empty binding would seal unbound, which is what binding is there to prevent.
 *
 * @example
 * ```ts
 * checkBinding(`tenant:${req.user.tenantId}`, 'binding')
 * ```
 */
export function checkBinding(value: unknown, where: string): string {
  if (
    typeof value !== 'string' ||
    value === '' ||
    value.includes(SEPARATOR) ||
    !isWellFormedText(value)
  ) {
    throw new FieldsealError(
      'ERR_FIELDSEAL_INVALID_OPTION',
      `${where}: a binding must be a non-empty, well-formed string without U+0000`,
    )
  }
  return value
}

/**
 * The binder of one fixed binding (the core API's `{ binding }`), checked once; `undefined` for
 * none.
 */
export function fixedBinder(binding: unknown, where: string): Binder | undefined {
  if (binding === undefined) return undefined
  const checked = checkBinding(binding, where)
  return () => checked
}

/** The context of a value under `binder` (unchanged without one). */
export function contextUnder(
  binder: Binder | undefined,
  context: string,
  path: () => string,
): string {
  return binder === undefined ? context : boundContext(binder(path()), context)
}

/**
 * Validation helpers for option objects. Security configuration is checked when a factory runs
 * and fails loudly: an unknown or misspelt option is an error, never a warning, because a typo
 * such as `feilds` would otherwise leave data unencrypted.
 *
 * @module
 */
import { closest } from './did-you-mean.js'
import { FieldsealError } from '../errors.js'

/**
 * The option names of an options interface, for {@link rejectUnknownOptions}. The record is
 * checked against the interface by the compiler: a name the interface gained but the list lacks,
 * or one the list kept after the interface lost it, does not compile. A plain string array next
 * to an interface drifts silently, and a drifted list either refuses a real option or lets a
 * misspelt one through unnoticed.
 *
 * @example
 * ```ts
 * interface WidgetOptions {
 *   readonly size?: number
 *   readonly colour?: string
 * }
 * const KNOWN = optionNames<WidgetOptions>({ size: true, colour: true })
 * rejectUnknownOptions({ colur: 'red' }, KNOWN, 'createWidget') // Did you mean "colour"?
 * ```
 */
export function optionNames<T>(names: Readonly<Record<keyof T, true>>): readonly string[] {
  return Object.freeze(Object.keys(names))
}

/** Throws `ERR_FIELDSEAL_INVALID_OPTION` for an option `where` does not know. */
export function rejectUnknownOptions(
  options: object,
  known: readonly string[],
  where: string,
): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    const guess = closest(key, known)
    const hint = guess === undefined ? '' : ` Did you mean "${guess}"?`
    throw new FieldsealError(
      'ERR_FIELDSEAL_INVALID_OPTION',
      `${where}: unknown option "${key}".${hint}`,
    )
  }
}

/** `undefined`, `{}` and `Object.create(null)` all mean "no options". */
export function optionsObject(options: unknown, where: string): Record<string, unknown> {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object`)
  }
  const defined: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) if (value !== undefined) defined[key] = value
  return defined
}

export function invalidOption(where: string, message: string): FieldsealError {
  return new FieldsealError('ERR_FIELDSEAL_INVALID_OPTION', `${where}: ${message}`)
}

/** A positive integer option with a default. */
export function positiveInteger(
  value: unknown,
  fallback: number,
  name: string,
  where: string,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalidOption(where, `${name} must be a positive integer`)
  }
  return value
}

/** A boolean option with a default. */
export function booleanOption(
  value: unknown,
  fallback: boolean,
  name: string,
  where: string,
): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw invalidOption(where, `${name} must be a boolean`)
  return value
}

/**
 * The guard that keeps a configured field from being stored in plaintext under another spelling.
 *
 * Paths match names exactly, but people and clients do not spell alike: with `fields: ['ssn']`
 * a body `{ "SSN": "078-05-1120" }` would match nothing and be stored as it came. The reference
 * design's policy compares names loosely (case, `_`, `-` and white space ignored); so does this
 * guard: a key that compares equal to the name of a configured field (the last property of its
 * path) without being that name exactly is refused with `ERR_FIELDSEAL_FIELD_VARIANT` where no
 * configured path encrypts it. Refusing rather than encrypting keeps one spelling per field in
 * storage, and the client loses nothing: it can send the field again as configured.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import type { ResolvedField } from './options.js'
import { patternSegments } from '../paths/parse.js'
import { normalizeFieldName } from './policy.js'

/** The configured names of a set of fields, for the variant check. */
export interface FieldNames {
  /**
   * Throws `ERR_FIELDSEAL_FIELD_VARIANT` when `key` is spelt like a configured field's name but
   * is not that name. `path` locates the key in the document.
   */
  checkKey(key: string, path: () => string): void
  /** False when no field ends in a property name (nothing to check). */
  readonly any: boolean
}

const cache = new WeakMap<readonly ResolvedField[], FieldNames>()
/** Keys seen before, per field set; cleared when full so that hostile keys cannot grow it. */
const SEEN_LIMIT = 1024
/** Longer keys are not remembered: 1024 keys of a 100 kB body each would hold 100 MB. */
const SEEN_KEY_LENGTH = 128

/**
 * The names of `fields`, compiled once per field list.
 *
 * @example
 * ```ts
 * fieldNames(resolveFields(['ssn'], 'x')).checkKey('SSN', () => 'SSN') // throws ERR_FIELDSEAL_FIELD_VARIANT
 * ```
 */
export function fieldNames(fields: readonly ResolvedField[]): FieldNames {
  let names = cache.get(fields)
  if (names === undefined) {
    names = compile(fields)
    cache.set(fields, names)
  }
  return names
}

function compile(fields: readonly ResolvedField[]): FieldNames {
  const exact = new Set<string>()
  const byNormal = new Map<string, string>()
  for (const field of fields) {
    const last = patternSegments(field.path).at(-1)
    if (last?.kind !== 'key') continue
    exact.add(last.name)
    const normal = normalizeFieldName(last.name)
    if (!byNormal.has(normal)) byNormal.set(normal, last.name)
  }
  // Per key: the configured name it is a variant of, or '' for none.
  const seen = new Map<string, string>()
  const variantOf = (key: string): string => {
    let known = seen.get(key)
    if (known === undefined) {
      known = exact.has(key) ? '' : (byNormal.get(normalizeFieldName(key)) ?? '')
      if (key.length > SEEN_KEY_LENGTH) return known
      if (seen.size >= SEEN_LIMIT) seen.clear()
      seen.set(key, known)
    }
    return known
  }
  return {
    any: exact.size > 0,
    checkKey(key, path) {
      const configured = variantOf(key)
      if (configured === '') return
      const at = path()
      throw new FieldsealError(
        'ERR_FIELDSEAL_FIELD_VARIANT',
        `"${at}" is spelt like the encrypted field "${configured}" but would be stored unencrypted: send it as "${configured}" or configure its path`,
        { path: at },
      )
    },
  }
}

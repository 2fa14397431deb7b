/**
 * Blind indexes: a keyed HMAC-SHA256 of a field's normalised plaintext, stored beside the
 * encrypted field (`ssn` → `ssn_bidx`) so an application can look a record up by equality
 * (`WHERE ssn_bidx = ?`) without decrypting anything.
 *
 * The blind-index key is separate from the data keys and never derived from them: data keys
 * rotate, and an index computed with a rotated key would no longer match. It comes from an
 * option or from `FIELDSEAL_BLIND_INDEX_KEY` (base64, 32 bytes).
 *
 * Values are normalised first, so that equal values written differently match (see
 * src/blind-index/normalize.ts): `123-45-6789` and `123 45 6789` index alike.
 *
 * Index = base64url(HMAC-SHA256(key, "fieldseal-blind-index:v1" ‖ 0x00 ‖ field ‖ 0x00 ‖ normalised)),
 * 43 characters. The field name is bound in, so the same value in `ssn` and in `tax_id` gives
 * different indexes and the two columns cannot be joined. A field indexed `'bound'` also binds
 * the record binding (a tenant): "fieldseal-blind-index:v1:bound" ‖ 0x00 ‖ binding ‖ 0x00 ‖
 * field ‖ 0x00 ‖ normalised, so equal values of two tenants index apart.
 *
 * @module
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto'
import { DEFAULT_MAX_INDEXED_LENGTH, normalizeForBlindIndex } from './normalize.js'
import { checkBinding } from '../core/binding.js'
import { isWellFormedText } from '../util/code-points.js'
import { FieldsealError } from '../errors.js'
import { decodeKey, keyFingerprint } from '../crypto/static-keys.js'
import { optionNames, optionsObject, rejectUnknownOptions } from '../util/option-checks.js'

export { DEFAULT_MAX_INDEXED_LENGTH, normalizeForBlindIndex } from './normalize.js'

/** Environment variable holding the blind-index key (base64, 32 bytes). */
export const BLIND_INDEX_KEY_ENV_VAR = 'FIELDSEAL_BLIND_INDEX_KEY'

const DOMAIN = 'fieldseal-blind-index:v1\0'
const BOUND_DOMAIN = 'fieldseal-blind-index:v1:bound\0'

/**
 * A blind-index key, decoded and checked once. Create it with {@link createBlindIndexKey}.
 *
 * @example
 * ```ts
 * const key = createBlindIndexKey(process.env.FIELDSEAL_BLIND_INDEX_KEY!)
 * const sealer = createFieldseal({ blindIndexKey: key, fields: [{ path: 'ssn', blindIndex: true }] })
 * ```
 */
export class BlindIndexKey {
  readonly #key: KeyObject
  /** Key id (a fingerprint, not secret), to tell keys apart in logs and migrations. */
  readonly kid: string

  /** Use {@link createBlindIndexKey}. */
  constructor(bytes: Uint8Array) {
    this.#key = createSecretKey(Buffer.from(bytes))
    this.kid = keyFingerprint(bytes)
  }

  /**
   * The index of an already normalised value. Throws `ERR_FIELDSEAL_UNSUPPORTED_VALUE` when
   * `field` holds U+0000 (the separator: `a\0b` + `c` would index as `a` + `b\0c`) or either
   * text is not well-formed Unicode (UTF-8 would turn a lone surrogate into U+FFFD).
   */
  digest(field: string, normalised: string, binding?: string): string {
    if (field.includes('\0') || !isWellFormedText(field) || !isWellFormedText(normalised)) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_UNSUPPORTED_VALUE',
        'a blind index needs a field name without U+0000 and well-formed Unicode text',
      )
    }
    const hmac = createHmac('sha256', this.#key)
    if (binding === undefined) hmac.update(DOMAIN)
    else hmac.update(BOUND_DOMAIN).update(checkBinding(binding, 'blind index')).update('\0')
    return hmac.update(field).update('\0').update(normalised).digest('base64url')
  }

  /** Never print key material. */
  toJSON(): { kid: string } {
    return { kid: this.kid }
  }
}

/**
 * Decodes a blind-index key (base64 text or 32 bytes). Throws `ERR_FIELDSEAL_INVALID_KEY` for
 * anything else.
 *
 * @example
 * ```ts
 * import { randomBytes } from 'node:crypto'
 *
 * const key = createBlindIndexKey(randomBytes(32))
 * ```
 */
export function createBlindIndexKey(key: string | Uint8Array | BlindIndexKey): BlindIndexKey {
  if (key instanceof BlindIndexKey) return key
  if (typeof key !== 'string' && !(key instanceof Uint8Array)) {
    throw new TypeError(
      'a blind-index key must be a base64 string, a Uint8Array or a BlindIndexKey',
    )
  }
  return new BlindIndexKey(decodeKey(key, 'blind-index key'))
}

/**
 * The blind-index key of `env` (`FIELDSEAL_BLIND_INDEX_KEY`), or `undefined` when it is unset.
 *
 * @example
 * ```ts
 * const key = blindIndexKeyFromEnv() // reads process.env
 * ```
 */
export function blindIndexKeyFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): BlindIndexKey | undefined {
  const raw = env[BLIND_INDEX_KEY_ENV_VAR]
  if (raw === undefined || raw.trim() === '') return undefined
  return createBlindIndexKey(raw.trim())
}

/** Options of {@link blindIndex}. */
export interface BlindIndexOptions {
  /**
   * The record binding, for a field indexed `blindIndex: 'bound'`: what the middleware's
   * `binding` gave for the request that wrote the index (`'tenant:42'`). Defaults to none.
   */
  readonly binding?: string
}

const KNOWN = optionNames<BlindIndexOptions>({ binding: true })

/**
 * The blind index of `value` in field `field` (the field's name, e.g. `'ssn'`, also for
 * `customers[*].ssn`) under `key`, or `undefined` for an empty value. Values longer than
 * `maxLength` (default 4096) throw `ERR_FIELDSEAL_VALUE_TOO_LONG`; ill-formed text throws
 * `ERR_FIELDSEAL_UNSUPPORTED_VALUE`, as the middleware does for the same value. With an instance,
 * call its `blindIndex(value, field)`: it uses the instance's key and `maxIndexedLength`.
 *
 * @example
 * ```ts
 * // what the middleware stored in customers.ssn_bidx for '123-45-6789'
 * const index = blindIndex(process.env.FIELDSEAL_BLIND_INDEX_KEY!, '123 45 6789', 'ssn')
 * ```
 */
export function blindIndex(
  key: BlindIndexKey | string | Uint8Array,
  value: unknown,
  field: string,
  options?: Readonly<BlindIndexOptions>,
): string | undefined {
  if (!(key instanceof BlindIndexKey) && typeof key !== 'string' && !(key instanceof Uint8Array)) {
    throw new TypeError(
      'blindIndex: pass a blind-index key (base64 text, 32 bytes or a BlindIndexKey); with an instance, call instance.blindIndex(value, field)',
    )
  }
  return indexValue(createBlindIndexKey(key), value, field, options, DEFAULT_MAX_INDEXED_LENGTH)
}

/**
 * What {@link blindIndex} and an instance's `blindIndex` compute: the index of `value` under
 * `key`, refusing values longer than `maxLength`.
 *
 * @example
 * ```ts
 * indexValue(key, '123 45 6789', 'ssn', { binding: 'tenant:42' }, 4096)
 * ```
 */
export function indexValue(
  key: BlindIndexKey,
  value: unknown,
  field: string,
  options: Readonly<BlindIndexOptions> | undefined,
  maxLength: number,
): string | undefined {
  if (typeof field !== 'string' || field === '')
    throw new TypeError('field must be a non-empty string')
  const checked = optionsObject(options, 'blindIndex')
  rejectUnknownOptions(checked, KNOWN, 'blindIndex')
  const binding = checked.binding
  if (binding !== undefined) checkBinding(binding, 'blindIndex')
  const normalised = normalizeForBlindIndex(value, undefined, maxLength)
  return normalised === undefined
    ? undefined
    : key.digest(field, normalised, binding as string | undefined)
}

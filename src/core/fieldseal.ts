/**
 * `createFieldseal()`: one configured instance that encrypts, decrypts and re-encrypts single
 * values and whole documents. There is no module-level singleton; create one per key setup.
 *
 * @module
 */
import { boundContext, checkBinding, fixedBinder, type Binder } from './binding.js'
import {
  BLIND_INDEX_KEY_ENV_VAR,
  indexValue,
  type BlindIndexOptions,
} from '../blind-index/blind-index.js'
import { isWellFormedText } from '../util/code-points.js'
import { hasKeyId, isEncrypted, parseEnvelope } from '../crypto/envelope.js'
import { FieldsealError } from '../errors.js'
import { decryptDocument, encryptDocument } from './field-ops.js'
import { isEmptyValue, openValue, sealValue } from '../crypto/field-value.js'
import type { KeySource } from '../crypto/key-source.js'
import { optionNames, optionsObject, rejectUnknownOptions } from '../util/option-checks.js'
import {
  resolveFields,
  resolveOptions,
  type FieldPaths,
  type FieldsealConfig,
  type FieldsealOptions,
  type ResolvedField,
} from './options.js'

/** Options of the single-value operations. */
export interface FieldValueOptions {
  /** Context bound into the ciphertext, such as the field's name. Defaults to `''`. */
  readonly context?: string
  /**
   * Record binding (a tenant, a user, a record id), bound in with the context as the middleware's
   * `binding` does: the value opens only with the same binding. A non-empty string without
   * U+0000. Defaults to none.
   */
  readonly binding?: string
}

/** Options of the document operations. */
export interface FieldsOptions {
  /**
   * Record binding of every value of the document (see {@link FieldValueOptions.binding}):
   * what the middleware's `binding` function gave for the request that sealed them. Defaults
   * to none.
   */
  readonly binding?: string
}

/** A configured fieldseal instance. See {@link createFieldseal}. */
export interface Fieldseal {
  /** Encrypts one value to an `enc:v1:` string. `''`, `null` and `undefined` are returned as they are. */
  encryptField(value: unknown, options?: FieldValueOptions): unknown
  /** Decrypts one `enc:` string; anything that is not ciphertext is returned as it is. */
  decryptField(value: unknown, options?: FieldValueOptions): unknown
  /** Moves one value to the active key; the plaintext never leaves the call. */
  reencryptField(value: unknown, options?: FieldValueOptions): unknown
  /** True for a string in an encrypted format (it starts with `enc:`). */
  isEncrypted(value: unknown): value is string
  /** A copy of `doc` with the given (or configured, or policy) fields encrypted. */
  encryptFields<T>(doc: T, paths?: FieldPaths, options?: FieldsOptions): T
  /**
   * A copy of `doc` with `enc:` values decrypted: at `paths` if given, else everywhere. Plaintext
   * in an encrypted field throws `ERR_FIELDSEAL_PLAINTEXT_FIELD` unless `legacyPlaintext` is on.
   */
  decryptFields<T>(doc: T, paths?: FieldPaths, options?: FieldsOptions): T
  /** A copy of `doc` with every value moved to the active key (legacy values become v1). */
  reencryptFields<T>(doc: T, paths?: FieldPaths, options?: FieldsOptions): T
  /** The policy: whether a field of this name is encrypted when no `fields` are configured. */
  shouldEncryptField(name: string): boolean
  /**
   * The blind index of `value` in field `field` (the field's name, `'ssn'`, also for
   * `customers[*].ssn`) with the instance's blind-index key: what the middleware writes beside a
   * field with `blindIndex`, for lookups. `undefined` for an empty value. Throws
   * `ERR_FIELDSEAL_NO_KEY` when the instance has no blind-index key, and
   * `ERR_FIELDSEAL_VALUE_TOO_LONG` (over `maxIndexedLength`) or `ERR_FIELDSEAL_UNSUPPORTED_VALUE`
   * as the middleware does for the same value.
   */
  blindIndex(
    value: unknown,
    field: string,
    options?: Readonly<BlindIndexOptions>,
  ): string | undefined
  /** Reloads keys from the keyring's store (a rotation made elsewhere). */
  refreshKeys(): Promise<void>
  /** The key source in use. */
  readonly keySource: KeySource
  /**
   * The validated configuration, frozen. Read by fieldseal's own entry points — the HTTP
   * pipeline (`fieldseal/http` and the adapters), `keyUsage`, the re-encryption jobs — from the
   * instance they are given. Internal: its shape may change in any release.
   */
  readonly config: FieldsealConfig
}

/**
 * The configuration of an instance handed to one of fieldseal's entry points (`where`). Throws a
 * `TypeError` for anything that is not an instance made by {@link createFieldseal}.
 *
 * @example
 * ```ts
 * const config = configOf(sealer, 'keyUsage')
 * ```
 */
export function configOf(fieldseal: Fieldseal, where: string): FieldsealConfig {
  const config = (fieldseal as Partial<Fieldseal> | undefined)?.config
  if (typeof config?.keys?.encryptionKey !== 'function') {
    throw new TypeError(`${where}: expected a fieldseal instance (createFieldseal)`)
  }
  return config
}

const VALUE_OPTIONS = optionNames<FieldValueOptions>({ context: true, binding: true })
const FIELDS_OPTIONS = optionNames<FieldsOptions>({ binding: true })

/** The context a single-value call binds: its `context`, under its `binding` if any. */
function contextOption(options: FieldValueOptions | undefined, where: string): string {
  if (options === undefined || options === null) return ''
  // Per-call options are checked without allocating: this runs once per field.
  for (const key in options) {
    if (!VALUE_OPTIONS.includes(key)) {
      rejectUnknownOptions(optionsObject(options, where), VALUE_OPTIONS, where)
    }
  }
  const context = options.context ?? ''
  if (typeof context !== 'string') throw new TypeError(`${where}: context must be a string`)
  // Also checked where a context is bound; here too, as a value already under the active key
  // passes reencryptField without being opened.
  if (!isWellFormedText(context)) {
    const message = `${where}: context is not well-formed Unicode`
    throw new FieldsealError('ERR_FIELDSEAL_UNSUPPORTED_VALUE', message)
  }
  const binding = options.binding
  return binding === undefined ? context : boundContext(checkBinding(binding, where), context)
}

/** The binder of a document call's `{ binding }`. */
function binderOption(options: FieldsOptions | undefined, where: string): Binder | undefined {
  if (options === undefined) return undefined
  const checked = optionsObject(options, where)
  rejectUnknownOptions(checked, FIELDS_OPTIONS, where)
  return fixedBinder(checked.binding, where)
}

/**
 * Creates a fieldseal instance. Throws `ERR_FIELDSEAL_NO_KEY` when no key is configured: fieldseal
 * never stores plaintext for want of a key.
 *
 * @example
 * ```ts
 * import { createFieldseal } from 'fieldseal'
 *
 * const sealer = createFieldseal({ fields: ['ssn', 'cards[*].number'] }) // keys from FIELDSEAL_KEYS
 * const row = sealer.encryptFields({ name: 'Ada', ssn: '123-45-6789', cards: [{ number: '4111…' }] })
 * // row.ssn === 'enc:v1:Xk3v9_Qa1Bc:…'
 * sealer.decryptFields(row).ssn // '123-45-6789'
 * ```
 */
export function createFieldseal(options?: Readonly<FieldsealOptions>): Fieldseal {
  const config = resolveOptions(options)
  const keys = config.keys
  const resolved = new WeakMap<FieldPaths, readonly ResolvedField[]>()
  const fieldsFor = (paths: FieldPaths | undefined, where: string) => {
    if (paths === undefined) return undefined
    let fields = resolved.get(paths)
    if (fields === undefined) {
      fields = resolveFields(paths, where)
      if (typeof paths === 'object' && paths !== null) resolved.set(paths, fields)
    }
    return fields
  }
  // Reading stored data: given paths only, else every `enc:` value (configured contexts first).
  const read = (
    doc: unknown,
    paths: FieldPaths | undefined,
    callOptions: FieldsOptions | undefined,
    reencrypt: boolean,
    where: string,
  ) => {
    const fields = fieldsFor(paths, where)
    return decryptDocument(config, doc, {
      fields: fields ?? config.fields,
      everywhere: fields === undefined,
      requireEncrypted: true,
      reencrypt,
      binder: binderOption(callOptions, where),
    })
  }
  // Verify up front that the source can encrypt, so a broken keyring fails at start-up.
  keys.encryptionKey()

  const fieldseal: Fieldseal = {
    encryptField(value, valueOptions) {
      const context = contextOption(valueOptions, 'encryptField')
      if (isEmptyValue(value)) return value
      // Already sealed: kept as it is, but only if well-formed (object operations do the same).
      if (isEncrypted(value)) return parseEnvelope(value) && value
      return sealValue(keys, value, context)
    },
    decryptField(value, valueOptions) {
      const context = contextOption(valueOptions, 'decryptField')
      if (!isEncrypted(value)) return value
      return openValue(keys, value, context, undefined, config.readLegacy).value
    },
    reencryptField(value, valueOptions) {
      const context = contextOption(valueOptions, 'reencryptField')
      if (!isEncrypted(value)) return value
      if (hasKeyId(value, keys.encryptionKey().kid)) return value
      return sealValue(
        keys,
        openValue(keys, value, context, undefined, config.readLegacy).value,
        context,
      )
    },
    isEncrypted,
    encryptFields(doc, paths, callOptions) {
      const binder = binderOption(callOptions, 'encryptFields')
      const fields = fieldsFor(paths, 'encryptFields') ?? config.fields
      return encryptDocument(config, doc, fields, { binder }) as typeof doc
    },
    decryptFields: (doc, paths, callOptions) =>
      read(doc, paths, callOptions, false, 'decryptFields') as typeof doc,
    reencryptFields: (doc, paths, callOptions) =>
      read(doc, paths, callOptions, true, 'reencryptFields') as typeof doc,
    shouldEncryptField: config.shouldEncryptField,
    blindIndex(value, field, indexOptions) {
      const key = config.blindIndexKey
      if (key === undefined) {
        throw new FieldsealError(
          'ERR_FIELDSEAL_NO_KEY',
          `no blind-index key: pass blindIndexKey to createFieldseal or set ${BLIND_INDEX_KEY_ENV_VAR}`,
        )
      }
      return indexValue(key, value, field, indexOptions, config.maxIndexedLength)
    },
    async refreshKeys() {
      await keys.refresh?.()
    },
    keySource: keys,
    config,
  }
  return Object.freeze(fieldseal)
}

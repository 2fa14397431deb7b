/**
 * Options of {@link createFieldseal} and their one resolution into an internal configuration.
 * Everything is validated here, when the instance is created, never per call.
 *
 * @module
 */
import {
  BLIND_INDEX_KEY_ENV_VAR,
  BlindIndexKey,
  blindIndexKeyFromEnv,
  createBlindIndexKey,
} from '../blind-index/blind-index.js'
import { DEFAULT_MAX_INDEXED_LENGTH } from '../blind-index/normalize.js'
import { isWellFormedText } from '../util/code-points.js'
import { FieldsealError } from '../errors.js'
import type { EventHook } from './events.js'
import type { KeySource } from '../crypto/key-source.js'
import {
  booleanOption,
  invalidOption,
  optionNames,
  optionsObject,
  positiveInteger,
  rejectUnknownOptions,
} from '../util/option-checks.js'
import { parsePath } from '../paths/parse.js'
import { createFieldPolicy, type PolicyOptions } from './policy.js'
import { KEYS_ENV_VAR, keysFromEnv, staticKeySource } from '../crypto/static-keys.js'

/** An encrypted field: its path and how its value is bound. */
export interface FieldSpec {
  /** Path in the path language, e.g. `items[*].card` or `**.ssn`. */
  readonly path: string
  /**
   * Associated context bound into the ciphertext. Defaults to the field's name (the nearest
   * object key). A string binds to that string; `false` turns binding off (context `''`).
   */
  readonly context?: string | false
  /**
   * Add a blind index beside this field (middleware). `'bound'` also binds the record binding
   * (the middleware's `binding` option) in: equal values under two bindings index apart, and a
   * lookup needs the binding. Defaults to `false`.
   */
  readonly blindIndex?: boolean | 'bound'
}

/** Paths of encrypted fields, as strings or specs. */
export type FieldPaths = ReadonlyArray<string | FieldSpec>

/** Options of `createFieldseal`. Every option is optional; `{}` and `undefined` are the same. */
export interface FieldsealOptions {
  /** Data keys, newest first, as base64 text or bytes. The first encrypts; all decrypt. */
  readonly keys?: ReadonlyArray<string | Uint8Array>
  /** A key source, such as a persisted keyring. Excludes `keys`. */
  readonly keyring?: KeySource
  /**
   * Where `FIELDSEAL_KEYS` (when neither `keys` nor `keyring` is given) and
   * `FIELDSEAL_BLIND_INDEX_KEY` (when `blindIndexKey` is not given) are read, once, when the
   * instance is created. Defaults to `process.env`.
   */
  readonly env?: Readonly<Record<string, string | undefined>>
  /**
   * Key of blind indexes: those the middleware writes beside fields with `blindIndex`, and
   * those `blindIndex(value, field)` computes for lookups. Base64 text, 32 bytes or a
   * `BlindIndexKey`; never one of the data keys (they rotate, an index must not). Defaults to
   * `FIELDSEAL_BLIND_INDEX_KEY` of `env`; without either, a field with `blindIndex` throws
   * `ERR_FIELDSEAL_NO_KEY` here.
   */
  readonly blindIndexKey?: string | Uint8Array | BlindIndexKey
  /** Encrypted fields. Defaults to every field `shouldEncryptField` accepts, at any depth. */
  readonly fields?: FieldPaths
  /** Name-based policy used when `fields` is not given. */
  readonly policy?: PolicyOptions
  /**
   * Let plaintext found in an encrypted field pass (and report it as a `legacy-plaintext` event)
   * instead of throwing `ERR_FIELDSEAL_PLAINTEXT_FIELD`. For data written before encryption was
   * turned on. Defaults to `false`.
   */
  readonly legacyPlaintext?: boolean
  /**
   * Read values in the reference design's legacy format (`enc:<base64>`, no key id). Set it to
   * `false` once re-encryption has moved every value to v1: a legacy value then throws
   * `ERR_FIELDSEAL_LEGACY_FORMAT` instead of being tried against every data key. Defaults to
   * `true`.
   */
  readonly readLegacy?: boolean
  /** Deepest nesting walked in object operations. Defaults to `32`. */
  readonly maxDepth?: number
  /** Most encrypted values one object operation handles. Defaults to `1000`. */
  readonly maxFields?: number
  /**
   * Longest value (UTF-16 code units, before normalisation) a blind index is computed for; a
   * longer one is refused with `ERR_FIELDSEAL_VALUE_TOO_LONG` (413). Defaults to `4096`.
   */
  readonly maxIndexedLength?: number
  /** Audit hook. Defaults to none. */
  readonly onEvent?: EventHook
}

/** A field spec with its defaults applied. */
export interface ResolvedField {
  readonly path: string
  /** `undefined` = the field's name. */
  readonly context: string | undefined
  readonly blindIndex: boolean | 'bound'
}

/**
 * The validated configuration of an instance, frozen: what fieldseal's own entry points (the HTTP
 * pipeline, `keyUsage`, the re-encryption jobs) read from the instance they are given, as its
 * `config` property. Internal: its shape may change in any release.
 */
export interface FieldsealConfig {
  readonly keys: KeySource
  /** `undefined`: no key given or in the environment (no field may ask for an index). */
  readonly blindIndexKey: BlindIndexKey | undefined
  readonly fields: readonly ResolvedField[] | undefined
  readonly shouldEncryptField: (name: string) => boolean
  readonly legacyPlaintext: boolean
  readonly readLegacy: boolean
  readonly maxDepth: number
  readonly maxFields: number
  readonly maxIndexedLength: number
  readonly onEvent: EventHook | undefined
}

const WHERE = 'createFieldseal'
const KNOWN = optionNames<FieldsealOptions>({
  keys: true,
  keyring: true,
  env: true,
  blindIndexKey: true,
  fields: true,
  policy: true,
  legacyPlaintext: true,
  readLegacy: true,
  maxDepth: true,
  maxFields: true,
  maxIndexedLength: true,
  onEvent: true,
})
const KNOWN_FIELD = optionNames<FieldSpec>({ path: true, context: true, blindIndex: true })
const KNOWN_POLICY = optionNames<PolicyOptions>({
  encryptPii: true,
  encryptFinancial: true,
  encryptedFields: true,
  piiFields: true,
  financialFields: true,
})

/** Validates and resolves field specs; used for configured fields and per-call paths. */
export function resolveFields(fields: unknown, where: string): readonly ResolvedField[] {
  if (!Array.isArray(fields)) throw invalidOption(where, 'fields must be an array')
  return Object.freeze(fields.map((field) => Object.freeze(resolveField(field, where))))
}

function resolveField(field: unknown, where: string): ResolvedField {
  if (typeof field === 'string') {
    parsePath(field)
    return { path: field, context: undefined, blindIndex: false }
  }
  const spec = optionsObject(field, `${where} field`)
  rejectUnknownOptions(spec, KNOWN_FIELD, `${where} field`)
  if (typeof spec.path !== 'string') throw invalidOption(where, 'a field needs a string path')
  parsePath(spec.path)
  const context = spec.context
  if (context !== undefined && context !== false && typeof context !== 'string') {
    throw invalidOption(where, `context of "${spec.path}" must be a string or false`)
  }
  if (typeof context === 'string' && !isWellFormedText(context)) {
    throw invalidOption(where, `context of "${spec.path}" is not well-formed Unicode`)
  }
  return {
    path: spec.path,
    context: context === false ? '' : context,
    blindIndex:
      spec.blindIndex === 'bound'
        ? 'bound'
        : booleanOption(spec.blindIndex, false, 'blindIndex', where),
  }
}

function envOf(options: Record<string, unknown>): Readonly<Record<string, string | undefined>> {
  const env = options.env ?? process.env
  if (typeof env !== 'object' || env === null) throw invalidOption(WHERE, 'env must be an object')
  return env as Readonly<Record<string, string | undefined>>
}

function resolveKeys(options: Record<string, unknown>): KeySource {
  if (options.keys !== undefined && options.keyring !== undefined) {
    throw invalidOption(WHERE, 'give either keys or keyring, not both')
  }
  if (options.keyring !== undefined) {
    const keyring = options.keyring as KeySource
    if (
      typeof keyring?.encryptionKey !== 'function' ||
      typeof keyring.decryptionKey !== 'function'
    ) {
      throw invalidOption(WHERE, 'keyring must implement the KeySource interface')
    }
    return keyring
  }
  if (options.keys !== undefined) return staticKeySource(options.keys as string[])
  const fromEnv = keysFromEnv(envOf(options))
  if (fromEnv === undefined) {
    throw new FieldsealError(
      'ERR_FIELDSEAL_NO_KEY',
      `no encryption key: pass keys or keyring, or set ${KEYS_ENV_VAR}`,
    )
  }
  return staticKeySource(fromEnv)
}

/**
 * The blind-index key: the option, else `FIELDSEAL_BLIND_INDEX_KEY` of `env`. Refused when it is
 * one of the data keys, and required when a field asks for an index.
 */
function resolveBlindIndexKey(
  options: Record<string, unknown>,
  keys: KeySource,
  fields: readonly ResolvedField[] | undefined,
): BlindIndexKey | undefined {
  const given = options.blindIndexKey
  if (
    given !== undefined &&
    !(given instanceof BlindIndexKey) &&
    typeof given !== 'string' &&
    !(given instanceof Uint8Array)
  ) {
    throw invalidOption(WHERE, 'blindIndexKey must be base64 text, a Uint8Array or a BlindIndexKey')
  }
  const key =
    given === undefined ? blindIndexKeyFromEnv(envOf(options)) : createBlindIndexKey(given)
  if (key === undefined) {
    if (fields?.some((field) => field.blindIndex !== false)) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_NO_KEY',
        `${WHERE}: fields ask for a blind index but no key is set (blindIndexKey or ${BLIND_INDEX_KEY_ENV_VAR})`,
      )
    }
    return undefined
  }
  // A data key would be a poor index key: it rotates, and an index must not.
  let isDataKey: boolean
  try {
    isDataKey = keys.decryptionKey(key.kid) !== undefined
  } catch {
    isDataKey = true // known to the keyring, though unavailable: a data key all the same
  }
  if (isDataKey) throw invalidOption(WHERE, 'the blind-index key must not be one of the data keys')
  return key
}

/** Validates options and fills defaults. Throws `ERR_FIELDSEAL_INVALID_OPTION` or `ERR_FIELDSEAL_NO_KEY`. */
export function resolveOptions(input: Readonly<FieldsealOptions> | undefined): FieldsealConfig {
  const options = optionsObject(input, WHERE)
  rejectUnknownOptions(options, KNOWN, WHERE)
  const policy = optionsObject(options.policy, `${WHERE} policy`)
  rejectUnknownOptions(policy, KNOWN_POLICY, `${WHERE} policy`)
  for (const flag of ['encryptPii', 'encryptFinancial'])
    booleanOption(policy[flag], true, flag, WHERE)
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw invalidOption(WHERE, 'onEvent must be a function')
  }
  const keys = resolveKeys(options)
  const fields = options.fields === undefined ? undefined : resolveFields(options.fields, WHERE)
  return Object.freeze({
    keys,
    blindIndexKey: resolveBlindIndexKey(options, keys, fields),
    fields,
    shouldEncryptField: createFieldPolicy(policy as PolicyOptions),
    legacyPlaintext: booleanOption(options.legacyPlaintext, false, 'legacyPlaintext', WHERE),
    readLegacy: booleanOption(options.readLegacy, true, 'readLegacy', WHERE),
    maxDepth: positiveInteger(options.maxDepth, 32, 'maxDepth', WHERE),
    maxFields: positiveInteger(options.maxFields, 1000, 'maxFields', WHERE),
    maxIndexedLength: positiveInteger(
      options.maxIndexedLength,
      DEFAULT_MAX_INDEXED_LENGTH,
      'maxIndexedLength',
      WHERE,
    ),
    onEvent: options.onEvent as EventHook | undefined,
  })
}

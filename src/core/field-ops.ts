/**
 * Encryption, decryption and re-encryption of the fields of a whole document (objects and
 * arrays, at any depth), copy-on-write. Field context is the field's name unless its spec says
 * otherwise (value format v1).
 *
 * @module
 */
import { isEncrypted, parseEnvelope } from '../crypto/envelope.js'
import { contextUnder, type Binder } from './binding.js'
import { FieldsealError } from '../errors.js'
import { Batch, withPath } from './field-batch.js'
import { fieldNames } from './field-names.js'
import { isEmptyValue, sealValue, type SealObserver } from '../crypto/field-value.js'
import type { FieldsealConfig, ResolvedField } from './options.js'
import {
  compilePaths,
  DESCEND,
  KEEP,
  walkPaths,
  type CompiledPaths,
  type Match,
} from '../paths/walk.js'

/** Marks a value reached by the catch-all path rather than by a configured field. */
const UNCONFIGURED: null = null
/** What a path matched: a configured field, or `null` for a value reached by the catch-all. */
export type Spec = ResolvedField | typeof UNCONFIGURED

const CATCH_ALL = '**.*'
/** Compiled field sets: without, then with the catch-all. */
const compiledCache = [
  new WeakMap<readonly ResolvedField[], CompiledPaths<Spec>>(),
  new WeakMap<readonly ResolvedField[], CompiledPaths<Spec>>(),
] as const
const catchAllOnly = compilePaths<Spec>([[CATCH_ALL, UNCONFIGURED]])

/** Compiles configured fields, plus the catch-all when every value must be seen. */
function compiled(
  fields: readonly ResolvedField[] | undefined,
  catchAll: boolean,
): CompiledPaths<Spec> {
  if (fields === undefined) return catchAllOnly
  const cache = compiledCache[catchAll ? 1 : 0]
  let cached = cache.get(fields)
  if (cached === undefined) {
    const entries: Array<[string, Spec]> = fields.map((field) => [field.path, field])
    cached = compilePaths<Spec>(catchAll ? [...entries, [CATCH_ALL, UNCONFIGURED]] : entries)
    cache.set(fields, cached)
  }
  return cached
}

/**
 * The configured fields followed by the catch-all `**.*` (data `null`), which reaches every
 * other value; with no fields, the catch-all alone. Compiled once per field list.
 */
export function fieldsPlan(fields: readonly ResolvedField[] | undefined): CompiledPaths<Spec> {
  return compiled(fields, true)
}

/** True when the value sits in a field that must hold ciphertext. */
export function isEncryptedField(config: FieldsealConfig, match: Match<Spec>): boolean {
  if (match.data !== UNCONFIGURED) return true
  return (
    config.fields === undefined &&
    typeof match.step === 'string' &&
    config.shouldEncryptField(match.step)
  )
}

/**
 * The paths a decrypting walk follows: `fields` when given, else the configured fields plus every
 * `enc:` value anywhere. Shared with the usage report so both select the same values.
 */
export function decryptionPlan(
  config: FieldsealConfig,
  fields: readonly ResolvedField[] | undefined,
): CompiledPaths<Spec> {
  return fields === undefined ? compiled(config.fields, true) : compiled(fields, false)
}

function contextOf(match: Match<Spec>, binder: Binder | undefined): string {
  return contextUnder(binder, match.data?.context ?? match.name, () => match.path())
}

function isContainer(value: unknown): boolean {
  return typeof value === 'object' && value !== null
}

function seal(
  config: FieldsealConfig,
  batch: Batch,
  value: unknown,
  match: Match<Spec>,
  options: SealOptions,
): unknown {
  if (isEmptyValue(value)) return KEEP
  if (isEncrypted(value)) {
    parseEnvelope(value, match.path()) // already sealed: keep it, but only if it is well-formed
    return KEEP
  }
  batch.take(match)
  try {
    return sealValue(
      config.keys,
      value,
      contextOf(match, options.binder),
      undefined,
      options.observe,
    )
  } catch (error) {
    throw withPath(error, match.path())
  }
}

/** What a sealing walk is told besides the fields. */
export interface SealOptions {
  /** Told about every value sealed (see {@link SealObserver}). */
  readonly observe?: SealObserver | undefined
  /** Binds each value to more than its field (src/core/binding.ts). */
  readonly binder?: Binder | undefined
}

/**
 * Encrypts `fields` of `doc` (with none, the policy's names at any depth). A non-empty field
 * spelt like a configured one but left unencrypted (`SSN` for `ssn`) throws
 * `ERR_FIELDSEAL_FIELD_VARIANT` (src/core/field-names.ts).
 */
export function encryptDocument(
  config: FieldsealConfig,
  doc: unknown,
  fields: readonly ResolvedField[] | undefined,
  options: SealOptions = {},
): unknown {
  const batch = new Batch(config, true)
  const names = fields === undefined ? undefined : fieldNames(fields)
  // The variant check must see every key; the policy (no fields) already reads every name.
  const guard = names?.any === true ? names : undefined
  const result = walkPaths(
    doc,
    compiled(fields, guard !== undefined),
    (value, match) => {
      if (match.data !== UNCONFIGURED) return seal(config, batch, value, match, options)
      if (typeof match.step === 'string' && !isEmptyValue(value)) {
        if (fields === undefined && config.shouldEncryptField(match.step)) {
          return seal(config, batch, value, match, options)
        }
        guard?.checkKey(match.step, () => match.path())
      }
      return isContainer(value) ? DESCEND : KEEP
    },
    config,
  )
  if (batch.count > 0 && batch.paths !== undefined) {
    const kid = config.keys.encryptionKey().kid
    batch.emit({
      operation: 'encrypt',
      outcome: 'success',
      kid,
      count: batch.count,
      paths: batch.paths,
    })
  }
  return result
}

/** How a decrypting walk treats what it finds. */
export interface DecryptMode {
  /** The encrypted fields (their contexts apply); `undefined`: the policy's names. */
  readonly fields: readonly ResolvedField[] | undefined
  /** Open `enc:` values anywhere, by field name; otherwise only in the encrypted fields. */
  readonly everywhere: boolean
  /**
   * Refuse an `enc:` value it does not open (`ERR_FIELDSEAL_UNEXPECTED_CIPHERTEXT`), unopened,
   * instead of leaving it as it is: a request may not store ciphertext nobody checked.
   */
  readonly refuseOthers?: boolean
  /** Plaintext in an encrypted field is an error (reading stored data), not input (a request). */
  readonly requireEncrypted: boolean
  /** Re-seal what was opened with the active key instead of returning plaintext. */
  readonly reencrypt: boolean
  /** Binds each value to more than its field (src/core/binding.ts). */
  readonly binder?: Binder | undefined
}

function open(batch: Batch, value: string, match: Match<Spec>, mode: DecryptMode): unknown {
  return batch.open(value, contextOf(match, mode.binder), match, { reencrypt: mode.reencrypt })
}

function unexpectedCiphertext(path: string): FieldsealError {
  return new FieldsealError(
    'ERR_FIELDSEAL_UNEXPECTED_CIPHERTEXT',
    'an encrypted value where no encrypted field is configured: it is not opened or stored',
    { path },
  )
}

/** Decrypts (or re-encrypts) the `enc:` values of `doc`; see {@link DecryptMode}. */
export function decryptDocument(config: FieldsealConfig, doc: unknown, mode: DecryptMode): unknown {
  const batch = new Batch(config)
  const policy = mode.fields === undefined
  const encryptedHere = (match: Match<Spec>) =>
    match.data !== UNCONFIGURED ||
    (policy && typeof match.step === 'string' && config.shouldEncryptField(match.step))
  return walkPaths(
    doc,
    compiled(mode.fields, mode.everywhere || mode.refuseOthers === true),
    (value, match) => {
      if (isEncrypted(value)) {
        if (mode.everywhere || encryptedHere(match)) return open(batch, value, match, mode)
        if (mode.refuseOthers === true) throw unexpectedCiphertext(match.path())
        return KEEP
      }
      if (mode.requireEncrypted && !isEmptyValue(value) && encryptedHere(match)) {
        if (!config.legacyPlaintext) {
          throw new FieldsealError(
            'ERR_FIELDSEAL_PLAINTEXT_FIELD',
            'an encrypted field holds plaintext; set legacyPlaintext to allow data written before encryption',
            { path: match.path() },
          )
        }
        batch.emit({ operation: 'legacy-plaintext', outcome: 'allowed', path: match.path() })
        return mode.reencrypt ? seal(config, batch, value, match, { binder: mode.binder }) : KEEP
      }
      return isContainer(value) ? DESCEND : KEEP
    },
    config,
  )
}

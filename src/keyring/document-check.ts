/**
 * Strict validation of a stored {@link KeyringDocument}, shared by every key store.
 *
 * A store hands the keyring only a document that passed this check: a foreign file, a truncated
 * row or a hand-edited keyring with two active data keys is refused with
 * `ERR_FIELDSEAL_STORE_CORRUPT` instead of being half-read (and later overwritten). Messages
 * name the offending property, never a value from the document.
 *
 * @module
 */
import { decodeBase64UrlStrict } from '../base64.js'
import { KID_PATTERN } from '../envelope.js'
import { FieldsealError } from '../errors.js'
import type { KeyRecord, KeyringDocument, KeyStatus, KeyType, MasterKeyInfo } from './types.js'

const KEY_TYPES: ReadonlySet<string> = new Set<KeyType>(['master', 'data', 'session', 'signing'])
const KEY_STATUSES: ReadonlySet<string> = new Set<KeyStatus>([
  'active',
  'pending_rotation',
  'inactive',
  'retired',
])
const DOCUMENT_KEYS = ['format', 'formatVersion', 'revision', 'master', 'keys']
const MASTER_KEYS = ['source', 'salt', 'iterations', 'check']
const RECORD_KEYS = [
  'id',
  'type',
  'version',
  'status',
  'algorithm',
  'createdAt',
  'expiresAt',
  'rotatedAt',
  'rotatedBy',
  'wrapped',
  'encryptions',
]
// ISO 8601 as Date#toISOString writes it (a few writers omit the milliseconds or use an offset).
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/
// nonce (12) ‖ at least one byte ‖ tag (16): anything shorter cannot be a wrapped key.
const MIN_WRAPPED_BYTES = 29
const MAX_TEXT = 4096

function corrupt(where: string, why: string): FieldsealError {
  return new FieldsealError('ERR_FIELDSEAL_STORE_CORRUPT', `keyring document: ${where} ${why}`)
}

function objectAt(
  value: unknown,
  where: string,
  known: readonly string[],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw corrupt(where, 'is not an object')
  }
  for (const key of Object.keys(value)) {
    // The name of an unknown property may be anything, so it is not echoed.
    if (!known.includes(key)) throw corrupt(where, 'has an unknown property')
  }
  return value as Record<string, unknown>
}

function integerAt(value: unknown, where: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw corrupt(where, `is not an integer >= ${min}`)
  }
  return value
}

function textAt(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) {
    throw corrupt(where, 'is not a non-empty string')
  }
  return value
}

function nullableTextAt(value: unknown, where: string): string | null {
  return value === null ? null : textAt(value, where)
}

function timestampAt(value: unknown, where: string): string {
  if (typeof value !== 'string' || !ISO_TIMESTAMP.test(value) || Number.isNaN(Date.parse(value))) {
    throw corrupt(where, 'is not an ISO 8601 timestamp')
  }
  return value
}

function nullableTimestampAt(value: unknown, where: string): string | null {
  return value === null ? null : timestampAt(value, where)
}

function masterAt(value: unknown): MasterKeyInfo {
  const master = objectAt(value, 'master', MASTER_KEYS)
  const source = master.source
  if (source !== 'env' && source !== 'passphrase') throw corrupt('master.source', 'is unknown')
  const salt = nullableTextAt(master.salt, 'master.salt')
  const iterations =
    master.iterations === null ? null : integerAt(master.iterations, 'master.iterations', 1)
  if (source === 'passphrase' && (salt === null || iterations === null)) {
    throw corrupt('master', 'derives from a passphrase but has no salt or iteration count')
  }
  return { source, salt, iterations, check: textAt(master.check, 'master.check') }
}

function recordAt(value: unknown, index: number): KeyRecord {
  const where = `keys[${index}]`
  const record = objectAt(value, where, RECORD_KEYS)
  const id = record.id
  if (typeof id !== 'string' || !KID_PATTERN.test(id))
    throw corrupt(`${where}.id`, 'is not a key id')
  const type = record.type
  if (typeof type !== 'string' || !KEY_TYPES.has(type)) throw corrupt(`${where}.type`, 'is unknown')
  const status = record.status
  if (typeof status !== 'string' || !KEY_STATUSES.has(status)) {
    throw corrupt(`${where}.status`, 'is unknown')
  }
  if (record.algorithm !== 'aes-256-gcm') throw corrupt(`${where}.algorithm`, 'is unsupported')
  const wrapped = record.wrapped
  if (status === 'retired') {
    // A retired key's material is erased; a stored copy would defeat retirement.
    if (wrapped !== null) throw corrupt(`${where}.wrapped`, 'is present on a retired key')
  } else {
    const bytes = typeof wrapped === 'string' ? decodeBase64UrlStrict(wrapped) : undefined
    if (bytes === undefined || bytes.length < MIN_WRAPPED_BYTES) {
      throw corrupt(`${where}.wrapped`, 'is not a wrapped key')
    }
  }
  return {
    id,
    type: type as KeyType,
    version: integerAt(record.version, `${where}.version`, 1),
    status: status as KeyStatus,
    algorithm: 'aes-256-gcm',
    createdAt: timestampAt(record.createdAt, `${where}.createdAt`),
    expiresAt: nullableTimestampAt(record.expiresAt, `${where}.expiresAt`),
    rotatedAt: nullableTimestampAt(record.rotatedAt, `${where}.rotatedAt`),
    rotatedBy: nullableTextAt(record.rotatedBy, `${where}.rotatedBy`),
    wrapped: wrapped as string | null,
    encryptions: integerAt(record.encryptions, `${where}.encryptions`, 0),
  }
}

/** Ids are unique, versions unique per type, and at most one key per type is active. */
function checkConsistency(keys: readonly KeyRecord[]): void {
  const ids = new Set<string>()
  const versions = new Set<string>()
  const active = new Set<string>()
  keys.forEach((key, index) => {
    if (ids.has(key.id)) throw corrupt(`keys[${index}].id`, 'is a duplicate')
    ids.add(key.id)
    const version = `${key.type}:${key.version}`
    if (versions.has(version)) throw corrupt(`keys[${index}].version`, 'is a duplicate')
    versions.add(version)
    if (key.status === 'active') {
      if (active.has(key.type))
        throw corrupt(`keys[${index}]`, `is a second active ${key.type} key`)
      active.add(key.type)
    }
  })
}

/**
 * Checks that `value` is a well-formed keyring document (format `fieldseal-keyring`, version 1)
 * and returns a clean copy holding only the known properties. Throws
 * `ERR_FIELDSEAL_STORE_CORRUPT` otherwise, naming the property at fault but never its value.
 *
 * @example
 * ```ts
 * const doc = assertKeyringDocument(JSON.parse(await readFile(path, 'utf8')))
 * ```
 */
export function assertKeyringDocument(value: unknown): KeyringDocument {
  const doc = objectAt(value, 'the document', DOCUMENT_KEYS)
  if (doc.format !== 'fieldseal-keyring') throw corrupt('format', 'is not "fieldseal-keyring"')
  if (doc.formatVersion !== 1) throw corrupt('formatVersion', 'is not supported by this version')
  if (!Array.isArray(doc.keys)) throw corrupt('keys', 'is not an array')
  const keys = doc.keys.map(recordAt)
  checkConsistency(keys)
  return {
    format: 'fieldseal-keyring',
    formatVersion: 1,
    revision: integerAt(doc.revision, 'revision', 1),
    master: masterAt(doc.master),
    keys,
  }
}

/**
 * The argument checks every `KeyStore.save` makes before touching storage: a caller passing a
 * bad document or revision is a programming error (`TypeError`), not a corrupt store.
 *
 * @example
 * ```ts
 * const checked = checkSaveArguments(doc, expectedRevision, 'MyKeyStore')
 * ```
 */
export function checkSaveArguments(
  doc: KeyringDocument,
  expectedRevision: number,
  where: string,
): KeyringDocument {
  if (!Number.isSafeInteger(expectedRevision) || expectedRevision < 0) {
    throw new TypeError(`${where}.save: expectedRevision must be a non-negative integer`)
  }
  let checked: KeyringDocument
  try {
    checked = assertKeyringDocument(doc)
  } catch (cause) {
    throw new TypeError(`${where}.save: not a valid keyring document`, { cause })
  }
  if (checked.revision !== expectedRevision + 1) {
    throw new TypeError(`${where}.save: doc.revision must be expectedRevision + 1`)
  }
  return checked
}

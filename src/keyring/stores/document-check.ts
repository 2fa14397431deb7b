/**
 * Strict validation of a stored {@link KeyringDocument}, shared by every key store.
 *
 * A store hands the keyring only a document that passed this check: a foreign file, a truncated
 * row or a hand-edited keyring with two active data keys is refused with
 * `ERR_FIELDSEAL_STORE_CORRUPT` instead of being half-read (and later overwritten). Messages
 * name the offending property, never a value from the document (an unknown property's name is
 * not echoed either: it may be anything).
 *
 * @module
 */
import { decodeBase64Strict, decodeBase64UrlStrict } from '../../crypto/base64.js'
import { KID_PATTERN } from '../../crypto/envelope.js'
import { FieldsealError } from '../../errors.js'
import { MAX_REFRESH_INTERVAL_MS } from '../keyring-options.js'
import type { ProviderIdentity } from '../../master-key/types.js'
import type { KeyRecord, KeyringDocument, KeyStatus, KeyType, MasterKeyInfo } from '../types.js'

// ISO 8601 as Date#toISOString writes it (a few writers omit the milliseconds or use an offset).
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/
const MAX_TEXT = 4096

/** `ERR_FIELDSEAL_STORE_CORRUPT` about the value at `where`. */
function corrupt(where: string, why: string): FieldsealError {
  return new FieldsealError('ERR_FIELDSEAL_STORE_CORRUPT', `keyring document: ${where} ${why}`)
}

/** A plain object holding only the `known` properties. */
function objectAt(
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

/** A safe integer of at least `min`. */
function integerAt(value: unknown, where: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw corrupt(where, `is not an integer >= ${min}`)
  }
  return value
}

/** A non-empty string of reasonable length, or `null` where `nullable`. */
function textAt(value: unknown, where: string, nullable = false): string | null {
  if (nullable && value === null) return null
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) {
    throw corrupt(where, 'is not a non-empty string')
  }
  return value
}

/** An ISO 8601 timestamp, or `null` where `nullable`. */
function timestampAt(value: unknown, where: string, nullable = false): string | null {
  if (nullable && value === null) return null
  if (typeof value !== 'string' || !ISO_TIMESTAMP.test(value) || Number.isNaN(Date.parse(value))) {
    throw corrupt(where, 'is not an ISO 8601 timestamp')
  }
  return value
}

/** Canonical base64url of at least `minBytes` bytes. */
function base64UrlAt(value: unknown, where: string, minBytes: number, what: string): string {
  const bytes = typeof value === 'string' ? decodeBase64UrlStrict(value) : undefined
  if (bytes === undefined || bytes.length < minBytes) throw corrupt(where, `is not ${what}`)
  return value as string
}

const KEY_TYPES: ReadonlySet<string> = new Set<KeyType>(['master', 'data', 'session', 'signing'])
const KEY_STATUSES: ReadonlySet<string> = new Set<KeyStatus>([
  'active',
  'pending_rotation',
  'inactive',
  'retired',
])
const DOCUMENT_KEYS_V1 = ['format', 'formatVersion', 'revision', 'master', 'keys']
const DOCUMENT_KEYS_V2 = [...DOCUMENT_KEYS_V1, 'maxRefreshIntervalMs', 'macKey', 'mac']
const MASTER_KEYS = ['source', 'salt', 'iterations', 'check']
const RECORD_KEYS_V1 = [
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
const RECORD_KEYS_V2 = [...RECORD_KEYS_V1, 'activeUntil']
// nonce (12) ‖ at least one byte ‖ tag (16): anything shorter cannot be a wrapped key.
const MIN_WRAPPED_BYTES = 29
// An HMAC-SHA256.
const MAC_BYTES = 32

// A provider identity: a kind and a few plain fields naming the key (no secret, no structure).
const PROVIDER_KIND = /^[a-z][a-z0-9-]{0,31}$/
const IDENTITY_FIELD = /^[A-Za-z][A-Za-z0-9_]{0,63}$/
const MAX_IDENTITY_FIELDS = 16
// biome-ignore lint/suspicious/noControlCharactersInRegex: the controls it refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

function identityAt(value: unknown): ProviderIdentity {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw corrupt('master.provider', 'is not an object')
  }
  const entries = Object.entries(value)
  if (entries.length > MAX_IDENTITY_FIELDS) throw corrupt('master.provider', 'has too many fields')
  for (const [name, field] of entries) {
    if (!IDENTITY_FIELD.test(name)) throw corrupt('master.provider', 'has an invalid field name')
    // Printable text only: an identity is shown in messages, where a line break could forge a log line.
    const plain =
      field === null ||
      typeof field === 'boolean' ||
      (typeof field === 'number' && Number.isFinite(field)) ||
      (typeof field === 'string' && field.length <= MAX_TEXT && !CONTROL.test(field))
    if (!plain) throw corrupt(`master.provider.${name}`, 'is not a plain value')
  }
  const identity = value as ProviderIdentity
  if (typeof identity.kind !== 'string' || !PROVIDER_KIND.test(identity.kind)) {
    throw corrupt('master.provider.kind', 'is not a provider kind')
  }
  if (identity.kind === 'passphrase') {
    const salt = textAt(identity.salt, 'master.provider.salt')
    if (decodeBase64Strict(salt as string) === undefined) {
      throw corrupt('master.provider.salt', 'is not base64')
    }
    integerAt(identity.iterations, 'master.provider.iterations', 1)
  }
  return identity
}

function masterAt(value: unknown, formatVersion: 1 | 2 | 3): MasterKeyInfo {
  if (formatVersion === 3) {
    const master = objectAt(value, 'master', ['provider', 'check'])
    const check = base64UrlAt(master.check, 'master.check', MIN_WRAPPED_BYTES, 'a check value')
    return { provider: identityAt(master.provider), check }
  }
  const master = objectAt(value, 'master', MASTER_KEYS)
  const source = master.source
  if (source !== 'env' && source !== 'passphrase') throw corrupt('master.source', 'is unknown')
  const salt = textAt(master.salt, 'master.salt', true)
  const iterations =
    master.iterations === null ? null : integerAt(master.iterations, 'master.iterations', 1)
  if (source === 'passphrase' && (salt === null || iterations === null)) {
    throw corrupt('master', 'derives from a passphrase but has no salt or iteration count')
  }
  return { source, salt, iterations, check: textAt(master.check, 'master.check') as string }
}

function recordAt(value: unknown, index: number, formatVersion: 1 | 2 | 3): KeyRecord {
  const where = `keys[${index}]`
  const record = objectAt(value, where, formatVersion === 1 ? RECORD_KEYS_V1 : RECORD_KEYS_V2)
  const id = record.id
  if (typeof id !== 'string' || !KID_PATTERN.test(id)) {
    throw corrupt(`${where}.id`, 'is not a key id')
  }
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
    base64UrlAt(wrapped, `${where}.wrapped`, MIN_WRAPPED_BYTES, 'a wrapped key')
  }
  const activeUntil =
    formatVersion === 1 ? null : timestampAt(record.activeUntil, `${where}.activeUntil`, true)
  return {
    id,
    type: type as KeyType,
    version: integerAt(record.version, `${where}.version`, 1),
    status: status as KeyStatus,
    algorithm: 'aes-256-gcm',
    createdAt: timestampAt(record.createdAt, `${where}.createdAt`) as string,
    expiresAt: timestampAt(record.expiresAt, `${where}.expiresAt`, true),
    rotatedAt: timestampAt(record.rotatedAt, `${where}.rotatedAt`, true),
    rotatedBy: textAt(record.rotatedBy, `${where}.rotatedBy`, true),
    ...(formatVersion === 1 ? {} : { activeUntil }),
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
 * Checks that `value` is a well-formed keyring document (format `fieldseal-keyring`, version 1, 2
 * or 3) and returns a clean copy holding only the known properties. This is the structure only: the
 * MAC of a format 2 document is checked by the keyring, which holds the master key. Throws
 * `ERR_FIELDSEAL_STORE_CORRUPT` otherwise, naming the property at fault but never its value.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises'
 *
 * const doc = assertKeyringDocument(JSON.parse(await readFile('keyring.json', 'utf8')))
 * ```
 */
export function assertKeyringDocument(value: unknown): KeyringDocument {
  const given = (value as { formatVersion?: unknown } | null)?.formatVersion
  const signed = given === 2 || given === 3
  const doc = objectAt(value, 'the document', signed ? DOCUMENT_KEYS_V2 : DOCUMENT_KEYS_V1)
  if (doc.format !== 'fieldseal-keyring') throw corrupt('format', 'is not "fieldseal-keyring"')
  if (given !== 1 && !signed) throw corrupt('formatVersion', 'is not supported by this version')
  const formatVersion = given as 1 | 2 | 3
  if (!Array.isArray(doc.keys)) throw corrupt('keys', 'is not an array')
  const keys = doc.keys.map((record, index) => recordAt(record, index, formatVersion))
  checkConsistency(keys)
  const revision = integerAt(doc.revision, 'revision', 1)
  const master = masterAt(doc.master, formatVersion)
  if (!signed) return { format: 'fieldseal-keyring', formatVersion: 1, revision, master, keys }
  const interval = integerAt(doc.maxRefreshIntervalMs, 'maxRefreshIntervalMs', 1)
  if (interval > MAX_REFRESH_INTERVAL_MS) throw corrupt('maxRefreshIntervalMs', 'is over a day')
  return {
    format: 'fieldseal-keyring',
    formatVersion,
    revision,
    master,
    maxRefreshIntervalMs: interval,
    macKey: base64UrlAt(doc.macKey, 'macKey', MIN_WRAPPED_BYTES, 'a wrapped key'),
    keys,
    mac: base64UrlAt(doc.mac, 'mac', MAC_BYTES, 'a MAC'),
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

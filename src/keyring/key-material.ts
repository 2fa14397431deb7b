/**
 * Key material: how a key record is made (a fresh random key, an imported one, the simple
 * `FIELDSEAL_KEYS` mode or a reference-era key), how its material is wrapped by the master key
 * and bound to the record, and how every record is rewrapped under a new master key. Material
 * exists in plain form only inside these functions and is zeroed before they return.
 *
 * The binding: in a format 2 keyring the master key wraps each key's material with, as
 * associated data, a canonical byte string of the record's immutable fields (id, type, version,
 * algorithm, creation and expiry), so a wrapped key opens only as the record it was made for: it
 * cannot be moved to another id, version or type, nor given a longer life. Mutable fields
 * (status, counters, rotation) are covered by the document MAC instead (`document-mac.ts`).
 * Format 1 (fieldseal 0.1.0) bound the key id only.
 *
 * @module
 */
import { AesGcmCipher } from '../crypto/aes-gcm.js'
import { FieldsealError } from '../errors.js'
import { decodeKey, keyFingerprint } from '../crypto/static-keys.js'
import { nextVersion } from './key-lifecycle.js'
import type { KeyBinding } from '../master-key/types.js'
import { KEYRING_BINDING, keyLength, type MasterKey } from './master-key.js'
import type { KeyRecord, KeyStatus, KeyType } from './types.js'

/** The immutable fields of a record, which its wrapping is bound to. */
export type RecordIdentity = Pick<
  KeyRecord,
  'id' | 'type' | 'version' | 'algorithm' | 'createdAt' | 'expiresAt'
>

/**
 * What a format 3 record's material is bound to: the provider authenticates it as associated
 * data (AWS KMS: encryption context, so it shows in CloudTrail).
 *
 * @example
 * ```ts
 * recordBinding(record) // { format: 'fieldseal-keyring/3', keyId: 'Xk3v9_Qa1Bc', type: 'data', version: '3', … }
 * ```
 */
export function recordBinding(record: RecordIdentity): KeyBinding {
  return {
    ...KEYRING_BINDING,
    keyId: record.id,
    type: record.type,
    version: String(record.version),
    algorithm: record.algorithm,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt ?? 'never',
  }
}

/**
 * The associated data a format 2 record's material was wrapped with (format 1: the key id).
 *
 * @example
 * ```ts
 * recordAad(record).toString() // 'fieldseal-keyring/2 key ["Xk3v9_Qa1Bc","data",3,"aes-256-gcm",…]'
 * ```
 */
export function recordAad(record: RecordIdentity): Buffer {
  const fields = [
    record.id,
    record.type,
    record.version,
    record.algorithm,
    record.createdAt,
    record.expiresAt,
  ]
  return Buffer.from(`fieldseal-keyring/2 key ${JSON.stringify(fields)}`, 'utf8')
}

/**
 * The material of `record` of a document of `formatVersion`, opened under `master` (a provider
 * call for format 3). A record that does not open is `ERR_FIELDSEAL_STORE_CORRUPT`.
 *
 * @example
 * ```ts
 * const material = await unwrapRecord(master, record, doc.formatVersion) // zero it when done
 * ```
 */
export async function unwrapRecord(
  master: MasterKey,
  record: KeyRecord,
  formatVersion: 1 | 2 | 3,
): Promise<Buffer> {
  const wrapped = record.wrapped as string
  const material =
    formatVersion === 3
      ? await master.unwrap(recordBinding(record), wrapped, record.id)
      : master.legacyUnwrap(formatVersion === 1 ? record.id : recordAad(record), wrapped, record.id)
  return keyLength(material, record.id)
}

/**
 * What a change wraps and reads key material with: the master key it saves under, and the
 * material the keyring already opened (held in memory since the document was loaded).
 */
export interface KeyWrapper {
  /** Wraps `material` for `record` (one provider call) and remembers it as that record's. */
  wrap(record: RecordIdentity, material: Uint8Array): Promise<string>
  /** The material of a live record of the document held (a copy: zero it when done). */
  material(record: KeyRecord): Buffer
}

/** When a key is made and how long it lives. */
export interface MintContext {
  readonly now: Date
  readonly ttlDays: number | null
}

function expiry(context: MintContext): string | null {
  if (context.ttlDays === null) return null
  return new Date(context.now.getTime() + context.ttlDays * 86_400_000).toISOString()
}

/** A new record holding `material`, wrapped by `keys` and bound to the record. */
async function record(
  keys: KeyWrapper,
  material: Uint8Array,
  fields: Pick<KeyRecord, 'id' | 'type' | 'version' | 'status'>,
  context: MintContext,
): Promise<KeyRecord> {
  const identity = {
    ...fields,
    algorithm: 'aes-256-gcm' as const,
    createdAt: context.now.toISOString(),
    expiresAt: expiry(context),
  }
  return {
    ...identity,
    rotatedAt: null,
    rotatedBy: null,
    // Imported keys that are not made active never sealed here: nothing to wait for.
    activeUntil: null,
    wrapped: await keys.wrap(identity, material),
    encryptions: 0,
  }
}

/**
 * A new random key of `type`, wrapped by `keys`, with the next version of its type. Its id
 * is the key's fingerprint, as in the simple key mode, so a key keeps its id if it moves.
 *
 * @example
 * ```ts
 * const fresh = await mintRecord(doc.keys, keys, 'data', { now: new Date(), ttlDays: 90 })
 * ```
 */
export async function mintRecord(
  records: readonly KeyRecord[],
  keys: KeyWrapper,
  type: KeyType,
  context: MintContext,
): Promise<KeyRecord> {
  const ids = new Set(records.map((r) => r.id))
  for (;;) {
    const material = AesGcmCipher.generateKey()
    const id = keyFingerprint(material)
    if (ids.has(id)) continue // 2^-64: practically never, but an id must stay unique
    const version = nextVersion(records, type)
    try {
      return await record(keys, material, { id, type, version, status: 'active' }, context)
    } finally {
      material.fill(0)
    }
  }
}

/** Result of {@link importRecords}. */
export interface ImportResult {
  readonly records: KeyRecord[]
  /** The records added, oldest first. */
  readonly added: KeyRecord[]
}

/**
 * Adds existing data keys, given newest first as in `FIELDSEAL_KEYS`, keeping their fingerprint
 * ids so the values they sealed still open. The key whose id is `activate` becomes the active
 * data key (the previous one decrypts only); every other imported key decrypts only. Keys already
 * in the keyring are left as they are; a retired one is refused, since retirement is final.
 *
 * @example
 * ```ts
 * await importRecords(doc.keys, keys, keysFromEnv(process.env)!, firstKid, ctx, 'ops')
 * ```
 */
export async function importRecords(
  records: readonly KeyRecord[],
  wrapper: KeyWrapper,
  keys: ReadonlyArray<string | Uint8Array>,
  activate: string | false,
  context: MintContext,
  actor: string,
): Promise<ImportResult> {
  let next = [...records]
  const added: KeyRecord[] = []
  const decoded = keys.map((key, index) => decodeKey(key, `imported key #${index + 1}`))
  for (const material of [...decoded].reverse()) {
    const id = keyFingerprint(material)
    const existing = next.find((r) => r.id === id)
    if (existing?.status === 'retired') {
      throw new FieldsealError(
        'ERR_FIELDSEAL_KEY_STATE',
        `key "${id}" was retired; it cannot be imported again`,
        {
          kid: id,
        },
      )
    }
    if (existing !== undefined) continue
    if (id === activate) {
      const now = context.now.toISOString()
      next = next.map((r) =>
        r.type === 'data' && r.status === 'active'
          ? { ...r, status: 'pending_rotation', rotatedAt: now, rotatedBy: actor, activeUntil: now }
          : r,
      )
    }
    const status: KeyStatus = id === activate ? 'active' : 'pending_rotation'
    const version = nextVersion(next, 'data')
    const fresh = await record(wrapper, material, { id, type: 'data', version, status }, context)
    next.push(fresh)
    added.push(fresh)
  }
  return { records: next, added }
}

/**
 * Every live record (or those `only` picks) wrapped again by `to` (a provider call each), from
 * the material `from` holds: the keys stay, only their wrapping changes. Also how format 1 and 2
 * records move under the seam.
 *
 * @example
 * ```ts
 * const keys = await rewrapRecords(doc.keys, held, heldUnder(newMaster))
 * ```
 */
export async function rewrapRecords(
  records: readonly KeyRecord[],
  from: KeyWrapper,
  to: KeyWrapper,
  only: (record: KeyRecord) => boolean = () => true,
): Promise<KeyRecord[]> {
  const next: KeyRecord[] = []
  for (const r of records) {
    if (r.wrapped === null || !only(r)) {
      next.push(r)
      continue
    }
    const material = from.material(r)
    try {
      next.push({ ...r, wrapped: await to.wrap(r, material) })
    } finally {
      material.fill(0)
    }
  }
  return next
}

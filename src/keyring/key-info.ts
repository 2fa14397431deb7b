/**
 * What the key manager tells about a key: its metadata, never its material (not even wrapped).
 * Listing, filtering and the expiry query work on these views.
 *
 * @module
 */
import type { ProviderIdentity } from '../master-key/types.js'
import type { KeyRecord, KeyStatus, KeyType } from './types.js'

/**
 * Metadata of one key version: the stored record without its wrapped material. Plain, frozen
 * and JSON-safe. `encryptions` counts the persisted encryptions plus this process's unsaved ones.
 */
export interface KeyInfo extends Omit<KeyRecord, 'wrapped' | 'activeUntil'> {
  /** When the key stopped being active; `null` while active or if it never was (or unknown). */
  readonly activeUntil: string | null
  /** False once retired: the material is erased. */
  readonly hasMaterial: boolean
}

/** Filter of `listKeys`. */
export interface ListKeysFilter {
  /** Only keys of this type. Defaults to all types. */
  readonly type?: KeyType
  /** Only keys in this status (or these statuses). Defaults to all statuses. */
  readonly status?: KeyStatus | readonly KeyStatus[]
}

/** Everything `exportKeyMetadata` returns: enough to audit a keyring, nothing to decrypt with. */
export interface KeyMetadataExport {
  readonly format: 'fieldseal-keyring-metadata'
  readonly exportedAt: string
  /** Revision of the keyring the export was taken from. */
  readonly revision: number
  /** The master key's fingerprint and which provider holds it (never the key or its salt). */
  readonly master: {
    readonly id: string
    /** The provider's kind (`env`, `passphrase`, `pkcs11`, `aws-kms`, `vault-transit`…). */
    readonly source: string
    readonly iterations: number | null
    /** The provider's identity as stored, without a passphrase's salt. */
    readonly provider: ProviderIdentity
  }
  /** Every key, newest version first. */
  readonly keys: readonly KeyInfo[]
}

const TYPE_ORDER: Readonly<Record<KeyType, number>> = { master: 0, data: 1, session: 2, signing: 3 }

/**
 * The public view of a stored record.
 *
 * @example
 * ```ts
 * toKeyInfo(record).hasMaterial // false once retired
 * ```
 */
export function toKeyInfo(record: KeyRecord, unsavedEncryptions = 0): KeyInfo {
  return Object.freeze({
    id: record.id,
    type: record.type,
    version: record.version,
    status: record.status,
    algorithm: record.algorithm,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    rotatedAt: record.rotatedAt,
    rotatedBy: record.rotatedBy,
    activeUntil: record.activeUntil ?? null,
    encryptions: record.encryptions + unsavedEncryptions,
    hasMaterial: record.wrapped !== null,
  })
}

/**
 * Records matching `filter`, newest version first (ties, across types, in type order).
 *
 * @example
 * ```ts
 * filterRecords(doc.keys, { type: 'data', status: ['active', 'pending_rotation'] })
 * ```
 */
export function filterRecords(
  records: readonly KeyRecord[],
  filter: ListKeysFilter = {},
): KeyRecord[] {
  const statuses =
    filter.status === undefined
      ? undefined
      : new Set<KeyStatus>([filter.status].flat() as KeyStatus[])
  return records
    .filter(
      (r) =>
        (filter.type === undefined || r.type === filter.type) && (statuses?.has(r.status) ?? true),
    )
    .sort((a, b) => b.version - a.version || TYPE_ORDER[a.type] - TYPE_ORDER[b.type])
}

/**
 * Active keys whose expiry falls within `days` of `now` (already expired ones included), soonest
 * first: the keys to rotate.
 *
 * @example
 * ```ts
 * expiringRecords(doc.keys, 7, new Date()) // active keys expiring within a week
 * ```
 */
export function expiringRecords(
  records: readonly KeyRecord[],
  days: number,
  now: Date,
): KeyRecord[] {
  const limit = now.getTime() + days * 86_400_000
  return records
    .filter(
      (r) => r.status === 'active' && r.expiresAt !== null && Date.parse(r.expiresAt) <= limit,
    )
    .sort((a, b) => Date.parse(a.expiresAt as string) - Date.parse(b.expiresAt as string))
}

/**
 * True once `record` has passed its expiry.
 *
 * @example
 * ```ts
 * if (isExpired(record, new Date())) report(record.id)
 * ```
 */
export function isExpired(record: KeyRecord, now: Date): boolean {
  return record.expiresAt !== null && Date.parse(record.expiresAt) <= now.getTime()
}

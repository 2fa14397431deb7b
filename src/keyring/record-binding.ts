/**
 * What a wrapped key is bound to. In a format 2 keyring the master key wraps each key's material
 * with, as associated data, a canonical byte string of the record's immutable fields (id, type,
 * version, algorithm, creation and expiry), so a wrapped key opens only as the record it was
 * made for: it cannot be moved to another id, version or type, nor given a longer life. Mutable
 * fields (status, counters, rotation) are covered by the document MAC instead
 * (`document-mac.ts`). Format 1 (fieldseal 0.1.0) bound the key id only.
 *
 * The byte string is plain UTF-8 JSON, so a future master key held elsewhere (a KMS, an HSM)
 * can take it as associated data or encryption context as it is.
 *
 * @module
 */
import type { MasterKey } from './master-key.js'
import type { KeyRecord } from './types.js'

/** The immutable fields of a record, which its wrapping is bound to. */
export type RecordIdentity = Pick<
  KeyRecord,
  'id' | 'type' | 'version' | 'algorithm' | 'createdAt' | 'expiresAt'
>

/**
 * The associated data a format 2 record's material is wrapped with.
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
 * Wraps `material` for `record` (format 2 binding).
 *
 * @example
 * ```ts
 * const fresh = { ...identity, wrapped: wrapFor(master, identity, material) }
 * ```
 */
export function wrapFor(master: MasterKey, record: RecordIdentity, material: Uint8Array): string {
  return master.wrap(recordAad(record), material)
}

/**
 * The material of `record`, as a keyring of `formatVersion` binds it. A record that does not
 * open under the (verified) master key is `ERR_FIELDSEAL_STORE_CORRUPT`.
 *
 * @example
 * ```ts
 * const material = unwrapRecord(master, record, doc.formatVersion) // zero it when done
 * ```
 */
export function unwrapRecord(master: MasterKey, record: KeyRecord, formatVersion: 1 | 2): Buffer {
  const aad = formatVersion === 1 ? record.id : recordAad(record)
  return master.unwrap(aad, record.wrapped as string, record.id)
}

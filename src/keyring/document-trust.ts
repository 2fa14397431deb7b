/**
 * What the keyring checks before it trusts a stored document, and what it writes back.
 *
 * - Formats 2 and 3: the document MAC (`document-mac.ts`) must verify, or the document is refused
 *   (`ERR_FIELDSEAL_STORE_TAMPERED`).
 * - Every format: every live key must open under the master key when the document is loaded
 *   (`held-keyring.ts`), so a damaged key is refused up front instead of being rotated past.
 * - Format 1 (fieldseal 0.1.0, no MAC) and format 2 (a local master key, before providers): the
 *   first save rewrites the document as format 3: every key rewrapped through the provider with
 *   its record binding, a new check and MAC key, `activeUntil` filled in (format 1).
 * - A running keyring that sees the store hold a different document at the same or an older
 *   revision (two writers forked it, or it was put back from a backup) re-adds the keys it held
 *   that the store lost, so values sealed with them stay readable.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { DocumentMac } from './document-mac.js'
import { nextVersion } from './key-lifecycle.js'
import { type KeyWrapper, rewrapRecords } from './key-material.js'
import type { MasterKey } from './master-key.js'
import type { KeyRecord, KeyringDocument, KeyStore, ProviderMasterKeyInfo } from './types.js'

/**
 * `ERR_FIELDSEAL_KEYRING_NOT_FOUND`: `store` holds no keyring and creation was not asked for.
 *
 * @example
 * ```ts
 * if (doc === undefined && !create) throw keyringNotFound(store)
 * ```
 */
export function keyringNotFound(store: KeyStore): FieldsealError {
  const where = store.describe?.() ?? 'the key store'
  return new FieldsealError(
    'ERR_FIELDSEAL_KEYRING_NOT_FOUND',
    `no keyring in ${where}. To start a new one, pass create: true (or run "fieldseal keys init"); ` +
      'if one should be there, check the location (a relative path is resolved from the working ' +
      'directory) or restore it from a backup: values sealed with its keys open with no other',
  )
}

/**
 * `ERR_FIELDSEAL_STORE_CONFLICT` telling that keys the store lost were saved back.
 *
 * @example
 * ```ts
 * throw keysAddedBack(['Xk3v9_Qa1Bc'], 12)
 * ```
 */
export function keysAddedBack(ids: readonly string[], revision: number | undefined) {
  return new FieldsealError(
    'ERR_FIELDSEAL_STORE_CONFLICT',
    `the key store went back to an older or different keyring (revision ${revision}: restored ` +
      `from a backup, or two writers); key(s) ${ids.join(', ')} held here were missing and have ` +
      'been added back as rotated out, so the values they sealed still decrypt',
  )
}

/**
 * Checks the MAC of `doc` under `master`; returns its MAC key (formats 2 and 3) or `undefined`
 * (format 1, which has none). `known` is reused when the document still carries it (no
 * provider call).
 *
 * @example
 * ```ts
 * const mac = await verifyDocument(doc, master, previousMac)
 * ```
 */
export async function verifyDocument(
  doc: KeyringDocument,
  master: MasterKey,
  known: DocumentMac | undefined,
): Promise<DocumentMac | undefined> {
  if (doc.formatVersion === 1) return undefined
  const mac =
    known !== undefined && known.wrapped === doc.macKey
      ? known
      : await DocumentMac.open(master, doc.macKey as string, doc.formatVersion)
  mac.verify(doc)
  return mac
}

/**
 * `records`, about to be saved, as format 3 records: those still wrapped as the format 1 or 2
 * document `legacy` had them are wrapped again by `keys` (through the provider, with their
 * binding), from the material opened when it was loaded; format 1 ones get `activeUntil` (a
 * rotated-out key from its rotation; an inactive one, whose switch-off time 0.1.0 did not
 * record, from `now`).
 *
 * @example
 * ```ts
 * if (doc.formatVersion < 3) keys = await upgradeRecords(keys, doc, wrapper, new Date())
 * ```
 */
export async function upgradeRecords(
  records: readonly KeyRecord[],
  legacy: KeyringDocument,
  keys: KeyWrapper,
  now: Date,
): Promise<KeyRecord[]> {
  const wrappedThen = new Set(legacy.keys.map((r) => r.wrapped))
  const dated = records.map((r) => {
    if (r.activeUntil !== undefined) return r
    const activeUntil =
      r.status === 'active'
        ? null
        : r.status === 'inactive'
          ? now.toISOString()
          : (r.rotatedAt ?? now.toISOString())
    return { ...r, activeUntil }
  })
  return rewrapRecords(dated, keys, keys, (r) => wrappedThen.has(r.wrapped))
}

/**
 * A format 3 document from its parts, signed with `mac`.
 *
 * @example
 * ```ts
 * const next = signedDocument({ revision: 8, master: master.info, maxRefreshIntervalMs: 60_000, keys }, mac)
 * ```
 */
export function signedDocument(
  parts: Pick<KeyringDocument, 'revision' | 'keys'> & {
    master: ProviderMasterKeyInfo
    maxRefreshIntervalMs: number
  },
  mac: DocumentMac,
): KeyringDocument {
  const unsigned: KeyringDocument = {
    format: 'fieldseal-keyring',
    formatVersion: 3,
    revision: parts.revision,
    master: parts.master,
    maxRefreshIntervalMs: parts.maxRefreshIntervalMs,
    macKey: mac.wrapped,
    keys: parts.keys,
  }
  return { ...unsigned, mac: mac.sign(unsigned) }
}

/**
 * Keys a running keyring held that the store lost (it forked, or was put back to a backup), with
 * their material, until a save adds them back: never active (an active one comes back rotated
 * out), wrapped by the store's master key, renumbered if their version was taken meanwhile.
 *
 * @example
 * ```ts
 * lost.collect(current, stored, (r) => session.unwrap(r))
 * const keys = await lost.restore(stored.keys, wrapper, new Date()) // then save, then lost.clear()
 * ```
 */
export class LostKeys {
  readonly #entries: Array<{ readonly record: KeyRecord; readonly material: Buffer }> = []

  /** Ids of the keys waiting to be added back. */
  get ids(): string[] {
    return this.#entries.map((entry) => entry.record.id)
  }

  /** Notes the live keys of `held` that `stored` lacks. */
  collect(held: KeyringDocument, stored: KeyringDocument, unwrap: (r: KeyRecord) => Buffer): void {
    const known = new Set([...stored.keys.map((r) => r.id), ...this.ids])
    for (const record of held.keys) {
      if (record.wrapped !== null && !known.has(record.id)) {
        this.#entries.push({ record, material: unwrap(record) })
      }
    }
  }

  /** `records` with the lost keys they lack added back. */
  async restore(records: readonly KeyRecord[], keys: KeyWrapper, now: Date): Promise<KeyRecord[]> {
    let next = [...records]
    for (const { record, material } of this.#entries) {
      if (next.some((r) => r.id === record.id)) continue
      const taken = next.some((r) => r.type === record.type && r.version === record.version)
      const back: KeyRecord = {
        ...record,
        version: taken ? nextVersion(next, record.type) : record.version,
        ...(record.status === 'active'
          ? { status: 'pending_rotation', activeUntil: now.toISOString() }
          : { activeUntil: record.activeUntil ?? now.toISOString() }),
      }
      next = [...next, { ...back, wrapped: await keys.wrap(back, material) }]
    }
    return next
  }

  /** Forgets them (zeroing their material), once a save added them back. */
  clear(): void {
    for (const entry of this.#entries.splice(0)) entry.material.fill(0)
  }
}

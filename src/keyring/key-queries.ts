/**
 * The read side of the key manager: metadata lookups, listing, the expiry query, the metadata
 * export and key material, all answered from the document last read (`refresh()` reloads).
 * `KeyManager` extends it with the changes.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { optionNames, optionsObject, rejectUnknownOptions } from '../util/option-checks.js'
import { KeySession } from './key-session.js'
import {
  expiringRecords,
  filterRecords,
  toKeyInfo,
  type KeyInfo,
  type KeyMetadataExport,
  type ListKeysFilter,
} from './key-info.js'
import { findRecord } from './key-lifecycle.js'
import type { KeyManagerConfig } from './manager-options.js'
import { drainedAt } from './seal-lease.js'
import type { ProviderIdentity } from '../master-key/types.js'
import type { KeyRecord, KeyType } from './types.js'

/**
 * What a key manager answers without changing the keyring. Use it through a `KeyManager`
 * (`openKeyManager()`); it is never created on its own.
 *
 * @example
 * ```ts
 * const keys = await openKeyManager({ store: 'keys/keyring.json' })
 * keys.checkExpiringKeys(30).map((key) => key.id)
 * ```
 */
export class KeyQueries {
  readonly #session: KeySession
  readonly #config: KeyManagerConfig

  /** @internal use `openKeyManager` */
  constructor(session: KeySession, config: KeyManagerConfig) {
    if (!(session instanceof KeySession)) {
      throw new TypeError('use openKeyManager() to create a KeyManager')
    }
    this.#session = session
    this.#config = config
  }

  /** Revision of the keyring last read (0 while the store is empty). */
  get revision(): number {
    return this.#session.doc?.revision ?? 0
  }

  /** Fingerprint of the master key in use (not secret). */
  get masterKeyId(): string {
    return this.#session.master.id
  }

  /**
   * Which provider holds the master key: `env` (a raw key), `passphrase`, `pkcs11`, `aws-kms`,
   * `vault-transit`, or a third party's kind.
   */
  get masterKeySource(): string {
    return this.#session.master.info.provider.kind
  }

  /** The identity of the master key's provider, as the keyring stores it (never a secret). */
  get masterKeyProvider(): ProviderIdentity {
    return this.#session.master.info.provider
  }

  get #records(): readonly KeyRecord[] {
    return this.#session.doc?.keys ?? []
  }

  #info(record: KeyRecord): KeyInfo {
    return toKeyInfo(record, this.#session.usage.get(record.id))
  }

  /** Reloads the keyring from the store (another instance may have changed it). */
  async refresh(): Promise<void> {
    await this.#session.reload()
  }

  /** Metadata of key `id`; `ERR_FIELDSEAL_KEY_NOT_FOUND` when there is none. */
  getKey(id: string): KeyInfo {
    return this.#info(findRecord(this.#records, id))
  }

  /** Metadata of key `id`, or `undefined`. */
  findKey(id: string): KeyInfo | undefined {
    const record = this.#records.find((r) => r.id === id)
    return record && this.#info(record)
  }

  /** The active key of `type`, or `undefined` when it has none. */
  getActiveKey(type: KeyType): KeyInfo | undefined {
    const record = this.#records.find((r) => r.type === type && r.status === 'active')
    return record && this.#info(record)
  }

  /**
   * The key's 32 bytes (a copy: zero it when done). Refused with `ERR_FIELDSEAL_KEY_UNAVAILABLE`
   * for an inactive or retired key.
   */
  getKeyMaterial(id: string): Buffer {
    const record = findRecord(this.#records, id)
    if (record.status === 'inactive' || record.status === 'retired' || record.wrapped === null) {
      throw new FieldsealError('ERR_FIELDSEAL_KEY_UNAVAILABLE', `key "${id}" is ${record.status}`, {
        kid: id,
      })
    }
    return this.#session.unwrap(record)
  }

  /**
   * When data key `id` is drained (ISO 8601): from then on no instance can seal with it, and the
   * values it sealed have had time to reach storage. Take the usage report for its retirement
   * after this moment (`retireKey` refuses an earlier one). `null` while the key is active, or if
   * it never was.
   */
  drainedAt(id: string): string | null {
    return drainedAt(findRecord(this.#records, id), this.#session.doc)?.toISOString() ?? null
  }

  /** Keys matching `filter`, newest version first. */
  listKeys(filter?: Readonly<ListKeysFilter>): KeyInfo[] {
    const defined = optionsObject(filter, 'listKeys')
    rejectUnknownOptions(
      defined,
      optionNames<ListKeysFilter>({ type: true, status: true }),
      'listKeys',
    )
    return filterRecords(this.#records, defined as ListKeysFilter).map((r) => this.#info(r))
  }

  /** Active keys expiring within `days` (expired ones included), soonest first. */
  checkExpiringKeys(days = 7): KeyInfo[] {
    if (typeof days !== 'number' || !Number.isFinite(days) || days < 0) {
      throw new TypeError('checkExpiringKeys: days must be a non-negative number')
    }
    return expiringRecords(this.#records, days, this.#config.now()).map((r) => this.#info(r))
  }

  /** Everything about the keyring except material: for audits and backups of metadata. */
  exportKeyMetadata(): KeyMetadataExport {
    const master = this.#session.master
    const { salt: _salt, ...provider } = master.info.provider
    const iterations = typeof provider.iterations === 'number' ? provider.iterations : null
    return {
      format: 'fieldseal-keyring-metadata',
      exportedAt: this.#config.now().toISOString(),
      revision: this.revision,
      master: { id: master.id, source: provider.kind, iterations, provider },
      keys: this.listKeys(),
    }
  }
}

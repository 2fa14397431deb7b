/**
 * `KeyManager`: the reference design's key manager, persisted. Keys have a type, a version per
 * type and a status (see `key-lifecycle.ts`); they are stored wrapped by the master key and
 * every change is a read-modify-save against the store with a revision check, retried on
 * conflict, so several processes can manage one keyring. Reads answer from the last document
 * read (`refresh()` reloads). Every key operation is reported to `onEvent`, never with material.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import type { FieldsealEvent, FieldsealOperation } from '../events.js'
import { optionsObject, rejectUnknownOptions } from '../option-checks.js'
import { KeySession, type ChangeInput, type ChangeOutput } from './key-session.js'
import {
  expiringRecords,
  filterRecords,
  toKeyInfo,
  type KeyInfo,
  type KeyMetadataExport,
  type ListKeysFilter,
} from './key-info.js'
import { findRecord } from './key-lifecycle.js'
import {
  KEY_MANAGER_OPTIONS,
  resolveManagerOptions,
  type KeyManagerConfig,
  type KeyManagerOptions,
} from './manager-options.js'
import type {
  GenerateKeyOptions,
  ImportKeysOptions,
  InitKeysOptions,
  KeyActionOptions,
  RetireKeyOptions,
  RewrapOptions,
  RotateKeyOptions,
} from './manager-call-options.js'
import * as ops from './manager-ops.js'
import type { KeyRecord, KeyType } from './types.js'

/** Gives the keyring (same package) the session behind a manager. */
export const SESSION = Symbol('fieldseal.keyManager.session')

/**
 * A persisted keyring's manager. Create it with {@link openKeyManager}.
 *
 * @example
 * ```ts
 * const keys = await openKeyManager({ store: 'keys/keyring.json' }) // FIELDSEAL_MASTER_KEY
 * await keys.initEncryptionKeys()
 * await keys.rotateKey('data', { rotatedBy: 'ops@example.com' })
 * keys.listKeys({ type: 'data' }) // newest version first
 * ```
 */
export class KeyManager {
  readonly #session: KeySession
  readonly #config: KeyManagerConfig
  #closed = false

  /** @internal use {@link openKeyManager} */
  constructor(session: KeySession, config: KeyManagerConfig) {
    if (!(session instanceof KeySession)) {
      throw new TypeError('use openKeyManager() to create a KeyManager')
    }
    this.#session = session
    this.#config = config
    Object.defineProperty(this, SESSION, { value: session })
  }

  /** Revision of the keyring last read (0 while the store is empty). */
  get revision(): number {
    return this.#session.doc?.revision ?? 0
  }

  /** Fingerprint of the master key in use (not secret). */
  get masterKeyId(): string {
    return this.#session.master.id
  }

  /** Whether the master key is a raw key (`env`) or derived from a passphrase. */
  get masterKeySource(): 'env' | 'passphrase' {
    return this.#session.master.info.source
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
    return this.#session.master.unwrap(record.id, record.wrapped)
  }

  /** Keys matching `filter`, newest version first. */
  listKeys(filter?: Readonly<ListKeysFilter>): KeyInfo[] {
    const defined = optionsObject(filter, 'listKeys')
    rejectUnknownOptions(defined, ['type', 'status'], 'listKeys')
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
    return {
      format: 'fieldseal-keyring-metadata',
      exportedAt: this.#config.now().toISOString(),
      revision: this.revision,
      master: { id: master.id, source: master.info.source, iterations: master.info.iterations },
      keys: this.listKeys(),
    }
  }

  /**
   * Creates the active key of each type that has none (data keys by default). Idempotent: run
   * it at every start-up. Returns the keys it created.
   */
  async initEncryptionKeys(options?: Readonly<InitKeysOptions>): Promise<KeyInfo[]> {
    return this.#change('key.generate', ops.initPlan(this.#config, options))
  }

  /** Creates the first (active) key of `type`; refused if the type already has an active key. */
  async generateKey(type: KeyType, options?: Readonly<GenerateKeyOptions>): Promise<KeyInfo> {
    return (
      await this.#change('key.generate', ops.generatePlan(this.#config, type, options))
    )[0] as KeyInfo
  }

  /**
   * Makes a new active version of `type`; the old active key becomes `pending_rotation` (it keeps
   * decrypting) with `rotatedAt`/`rotatedBy`. Returns the new key (or, with `ifActive` naming a key
   * that is no longer active, the current active key, unchanged).
   */
  async rotateKey(type: KeyType, options?: Readonly<RotateKeyOptions>): Promise<KeyInfo> {
    return (
      await this.#change('key.rotate', ops.rotatePlan(this.#config, type, options))
    )[0] as KeyInfo
  }

  /**
   * Retires a pending or inactive key for good and erases its material. A data key needs a usage
   * report with no value left under it (`ERR_FIELDSEAL_KEY_IN_USE`), or `force`.
   */
  async retireKey(id: string, options?: Readonly<RetireKeyOptions>): Promise<KeyInfo> {
    return (
      await this.#change('key.retire', ops.retirePlan(this.#config, id, options))
    )[0] as KeyInfo
  }

  /** Switches a key off (it neither encrypts nor decrypts) until it is reactivated. */
  async deactivateKey(id: string, options?: Readonly<KeyActionOptions>): Promise<KeyInfo> {
    return (
      await this.#change('key.deactivate', ops.deactivatePlan(this.#config, id, options))
    )[0] as KeyInfo
  }

  /** Switches an inactive key back on (active again only if it is still the newest of its type). */
  async reactivateKey(id: string, options?: Readonly<KeyActionOptions>): Promise<KeyInfo> {
    return (
      await this.#change('key.reactivate', ops.reactivatePlan(this.#config, id, options))
    )[0] as KeyInfo
  }

  /**
   * Imports data keys (base64 or bytes, newest first as in `FIELDSEAL_KEYS`) with their
   * fingerprint ids, so values they sealed still decrypt. Returns the keys added.
   */
  async importKeys(
    keys: ReadonlyArray<string | Uint8Array>,
    options?: Readonly<ImportKeysOptions>,
  ): Promise<KeyInfo[]> {
    return this.#change('key.import', ops.importPlan(this.#config, keys, options))
  }

  /**
   * Rewraps every key under a new master key (data is not touched). From then on the keyring opens
   * only with the new master key.
   */
  async rewrap(options: Readonly<RewrapOptions>): Promise<void> {
    const plan = await ops.rewrapPlan(this.#config, options)
    await this.#change('key.rewrap', plan)
  }

  /** Saves the encryption counts counted in this process. */
  async flush(): Promise<void> {
    if (this.#session.usage.empty) return
    await this.#session.change(({ keys }) => ({ keys, result: undefined }))
  }

  /** Saves pending counts and releases the store. Further changes are refused. */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.#session.settle()
    await this.flush()
    this.#closed = true
    await this.#session.store.close?.()
  }

  #emit(event: FieldsealEvent): void {
    this.#config.onEvent?.(event)
  }

  async #change(operation: FieldsealOperation, plan: ops.Plan): Promise<KeyInfo[]> {
    if (this.#closed)
      throw new FieldsealError('ERR_FIELDSEAL_KEY_STATE', 'the key manager is closed')
    let outcome: ops.PlanResult
    try {
      outcome = await this.#session.change((input: ChangeInput): ChangeOutput<ops.PlanResult> =>
        plan(input),
      )
    } catch (error) {
      if (error instanceof FieldsealError) {
        this.#emit({
          operation,
          outcome: 'failure',
          code: error.code,
          actor: plan.actor,
          ...(error.kid === undefined ? {} : { kid: error.kid }),
        })
      }
      throw error
    }
    for (const event of outcome.events)
      this.#emit({ operation, outcome: 'success', actor: plan.actor, ...event })
    return outcome.keys.map((r) => this.#info(r))
  }

  toJSON(): string {
    return `[KeyManager revision ${this.revision}]`
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON()
  }
}

/**
 * Opens a key manager on a store, with the master key from the options or the environment.
 * Throws `ERR_FIELDSEAL_WRONG_MASTER_KEY` when the master key does not open an existing keyring.
 *
 * @example
 * ```ts
 * const keys = await openKeyManager({ store: new FileKeyStore('keyring.json'), passphrase: secret })
 * ```
 */
export async function openKeyManager(options?: Readonly<KeyManagerOptions>): Promise<KeyManager> {
  const defined = optionsObject(options, 'openKeyManager')
  rejectUnknownOptions(defined, KEY_MANAGER_OPTIONS, 'openKeyManager')
  const config = resolveManagerOptions(defined, 'openKeyManager')
  return new KeyManager(
    await KeySession.open(config.store, config.master, config.maxRetries),
    config,
  )
}

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
import type { FieldsealOperation } from '../core/events.js'
import { optionsObject, rejectUnknownOptions } from '../util/option-checks.js'
import { KeySession } from './key-session.js'
import { toKeyInfo, type KeyInfo } from './key-info.js'
import { KeyQueries } from './key-queries.js'
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
import { runPlan } from './plan-runner.js'
import type { KeyType } from './types.js'

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
export class KeyManager extends KeyQueries {
  readonly #session: KeySession
  readonly #config: KeyManagerConfig
  #closed = false

  /** @internal use {@link openKeyManager} */
  constructor(session: KeySession, config: KeyManagerConfig) {
    super(session, config)
    this.#session = session
    this.#config = config
    Object.defineProperty(this, SESSION, { value: session })
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
    return this.#changeOne('key.generate', ops.generatePlan(this.#config, type, options))
  }

  /**
   * Makes a new active version of `type`; the old active key becomes `pending_rotation` (it keeps
   * decrypting) with `rotatedAt`/`rotatedBy`. Returns the new key (or, with `ifActive` naming a key
   * that is no longer active, the current active key, unchanged).
   */
  async rotateKey(type: KeyType, options?: Readonly<RotateKeyOptions>): Promise<KeyInfo> {
    return this.#changeOne('key.rotate', ops.rotatePlan(this.#config, type, options))
  }

  /**
   * Retires a pending or inactive key for good and erases its material. A data key needs a usage
   * report with no value left under it (`ERR_FIELDSEAL_KEY_IN_USE`), or `force`.
   */
  async retireKey(id: string, options?: Readonly<RetireKeyOptions>): Promise<KeyInfo> {
    return this.#changeOne('key.retire', ops.retirePlan(this.#config, id, options))
  }

  /** Switches a key off (it neither encrypts nor decrypts) until it is reactivated. */
  async deactivateKey(id: string, options?: Readonly<KeyActionOptions>): Promise<KeyInfo> {
    return this.#changeOne('key.deactivate', ops.deactivatePlan(this.#config, id, options))
  }

  /** Switches an inactive key back on (active again only if it is still the newest of its type). */
  async reactivateKey(id: string, options?: Readonly<KeyActionOptions>): Promise<KeyInfo> {
    return this.#changeOne('key.reactivate', ops.reactivatePlan(this.#config, id, options))
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

  async #change(operation: FieldsealOperation, plan: ops.Plan): Promise<KeyInfo[]> {
    if (this.#closed)
      throw new FieldsealError('ERR_FIELDSEAL_KEY_STATE', 'the key manager is closed')
    const records = await runPlan(this.#session, this.#config, operation, plan)
    return records.map((r) => toKeyInfo(r, this.#session.usage.get(r.id)))
  }

  async #changeOne(operation: FieldsealOperation, plan: ops.Plan): Promise<KeyInfo> {
    return (await this.#change(operation, plan))[0] as KeyInfo
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
 * Throws `ERR_FIELDSEAL_WRONG_MASTER_KEY` when the master key does not open the keyring,
 * `ERR_FIELDSEAL_STORE_TAMPERED` when the keyring was changed without it, and
 * `ERR_FIELDSEAL_KEYRING_NOT_FOUND` when the store holds none (unless `create: true`).
 *
 * @example
 * ```ts
 * const keys = await openKeyManager({ store: new FileKeyStore('keyring.json'), passphrase: secret })
 * const fresh = await openKeyManager({ store: 'keys/new-keyring.json', create: true })
 * ```
 */
export async function openKeyManager(options?: Readonly<KeyManagerOptions>): Promise<KeyManager> {
  const defined = optionsObject(options, 'openKeyManager')
  rejectUnknownOptions(defined, KEY_MANAGER_OPTIONS, 'openKeyManager')
  const config = resolveManagerOptions(defined, 'openKeyManager')
  const session = await KeySession.open(config.store, config.master, {
    maxRetries: config.maxRetries,
    create: config.create,
    now: config.now,
  })
  return new KeyManager(session, config)
}

/**
 * `KeyManager`: the reference design's key manager, persisted. Keys have a type, a version per
 * type and a status (see `key-lifecycle.ts`); they are stored wrapped by the master key.
 *
 * Every change of the keyring is a method here, read top to bottom: it checks its call's options
 * once, then hands the session a change to compute on the freshest document. The session
 * (`key-session.ts`) saves the result only if the store's revision is unchanged, and on a conflict
 * (another instance saved first) runs the same change again on what that instance saved, so
 * several processes can manage one keyring. The outcome is reported to `onEvent`: one success
 * event per key touched, or one failure event with the error's code and key id (never its
 * message, never material) before the coded error is rethrown. Reads (`key-queries.ts`) answer
 * from the last document read; `refresh()` reloads.
 *
 * @module
 */
import type { FieldsealOperation } from '../core/events.js'
import { decodeKey, keyFingerprint } from '../crypto/static-keys.js'
import { FieldsealError } from '../errors.js'
import { invalidOption, optionsObject, rejectUnknownOptions } from '../util/option-checks.js'
import { type KeyInfo, toKeyInfo } from './key-info.js'
import {
  activeRecord,
  assertStoredType,
  checkUsageReport,
  deactivateRecord,
  reactivateRecord,
  retireRecord,
  rotateRecords,
  STORED_KEY_TYPES,
} from './key-lifecycle.js'
import { importRecords, mintRecord, rewrapRecords } from './key-material.js'
import { KeyQueries } from './key-queries.js'
import { type Change as SessionChange, type ChangeOutput, KeySession } from './key-session.js'
import {
  actorOption,
  callOptions,
  type GenerateKeyOptions,
  type ImportKeysOptions,
  type InitKeysOptions,
  KEY_MANAGER_OPTIONS,
  type KeyActionOptions,
  type KeyManagerConfig,
  type KeyManagerOptions,
  type RetireKeyOptions,
  type RewrapOptions,
  type RotateKeyOptions,
  resolveManagerOptions,
  resolveMasterOption,
  ttlOption,
} from './manager-options.js'
import { createMasterKey } from './master-key.js'
import type { KeyRecord, KeyType } from './types.js'

/** Facts of one audit event (the manager adds operation, outcome and actor). */
interface ChangeEvent {
  readonly kid?: string
  readonly keyType?: string
  readonly version?: number
  readonly count?: number
}

/** What a change reports: the keys it touched (returned to the caller) and its events. */
interface Outcome {
  readonly keys: readonly KeyRecord[]
  readonly events: readonly ChangeEvent[]
}

type Change = SessionChange<Outcome>

function described(records: readonly KeyRecord[]): ChangeEvent[] {
  return records.map((r) => ({ kid: r.id, keyType: r.type, version: r.version }))
}

/** Saves `records`; reports the one key `record`. */
function touched(records: readonly KeyRecord[], record: KeyRecord): ChangeOutput<Outcome> {
  return { keys: records, result: { keys: [record], events: described([record]) } }
}

/** Saves `records` when keys were `added`; reports each of them. */
function added(records: readonly KeyRecord[], keys: readonly KeyRecord[]): ChangeOutput<Outcome> {
  const result = { keys, events: described(keys) }
  return keys.length === 0 ? { result } : { keys: records, result }
}

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
  }

  /**
   * Creates the active key of each type that has none (data keys by default). Idempotent: run
   * it at every start-up. Returns the keys it created.
   */
  async initEncryptionKeys(options?: Readonly<InitKeysOptions>): Promise<KeyInfo[]> {
    const where = 'initEncryptionKeys'
    const o = callOptions(options, { types: true, ttlDays: true, actor: true }, where)
    const types = (o.types ?? ['data']) as KeyType[]
    if (!Array.isArray(types)) throw invalidOption(where, 'types must be an array')
    if (types.some((type) => !STORED_KEY_TYPES.includes(type))) {
      throw invalidOption(where, `types may hold ${STORED_KEY_TYPES.join(', ')}`)
    }
    const ttlDays = ttlOption(o.ttlDays, this.#config.ttlDays, where)
    const actor = actorOption(o.actor, this.#config.actor, where)
    return this.#change('key.generate', actor, async ({ keys, wrapper }) => {
      let records = [...keys]
      const created: KeyRecord[] = []
      for (const type of types) {
        if (activeRecord(records, type) !== undefined) continue
        const fresh = await mintRecord(records, wrapper, type, { now: this.#config.now(), ttlDays })
        records = [...records, fresh]
        created.push(fresh)
      }
      return added(records, created)
    })
  }

  /** Creates the first (active) key of `type`; refused if the type already has an active key. */
  async generateKey(type: KeyType, options?: Readonly<GenerateKeyOptions>): Promise<KeyInfo> {
    assertStoredType(type)
    const o = callOptions(options, { ttlDays: true, actor: true }, 'generateKey')
    const ttlDays = ttlOption(o.ttlDays, this.#config.ttlDays, 'generateKey')
    const actor = actorOption(o.actor, this.#config.actor, 'generateKey')
    return this.#changeOne('key.generate', actor, async ({ keys, wrapper }) => {
      const active = activeRecord(keys, type)
      if (active !== undefined) {
        throw new FieldsealError(
          'ERR_FIELDSEAL_KEY_STATE',
          `${type} already has an active key; use rotateKey()`,
          { kid: active.id },
        )
      }
      const fresh = await mintRecord(keys, wrapper, type, { now: this.#config.now(), ttlDays })
      return touched([...keys, fresh], fresh)
    })
  }

  /**
   * Makes a new active version of `type`; the old active key becomes `pending_rotation` (it keeps
   * decrypting) with `rotatedAt`/`rotatedBy`. Returns the new key (or, with `ifActive` naming a key
   * that is no longer active, the current active key, unchanged).
   */
  async rotateKey(type: KeyType, options?: Readonly<RotateKeyOptions>): Promise<KeyInfo> {
    assertStoredType(type)
    const o = callOptions(options, { rotatedBy: true, ttlDays: true, ifActive: true }, 'rotateKey')
    const by = actorOption(o.rotatedBy, this.#config.actor, 'rotateKey')
    const ttlDays = ttlOption(o.ttlDays, this.#config.ttlDays, 'rotateKey')
    const ifActive = o.ifActive
    if (ifActive !== undefined && typeof ifActive !== 'string') {
      throw invalidOption('rotateKey', 'ifActive must be a key id')
    }
    return this.#changeOne('key.rotate', by, async ({ keys, wrapper }) => {
      const active = activeRecord(keys, type)
      // Compare-and-swap: another instance (or scheduler) rotated first; keep its key.
      if (ifActive !== undefined && active?.id !== ifActive) {
        if (active === undefined) {
          throw new FieldsealError('ERR_FIELDSEAL_KEY_STATE', `${type} has no active key to rotate`)
        }
        return { result: { keys: [active], events: [] } }
      }
      const now = this.#config.now()
      const fresh = await mintRecord(keys, wrapper, type, { now, ttlDays })
      return touched(rotateRecords(keys, fresh, now.toISOString(), by), fresh)
    })
  }

  /**
   * Retires a pending or inactive key for good and erases its material. A data key needs a usage
   * report with no value left under it (`ERR_FIELDSEAL_KEY_IN_USE`), or `force`.
   */
  async retireKey(id: string, options?: Readonly<RetireKeyOptions>): Promise<KeyInfo> {
    const o = callOptions(options, { usage: true, force: true, actor: true }, 'retireKey')
    const usage = checkUsageReport(o.usage)
    if (o.force !== undefined && typeof o.force !== 'boolean')
      throw invalidOption('retireKey', 'force must be a boolean')
    const force = o.force === true
    const actor = actorOption(o.actor, this.#config.actor, 'retireKey')
    return this.#changeOne('key.retire', actor, ({ keys, maxRefreshIntervalMs }) => {
      const lease = { maxRefreshIntervalMs }
      const now = this.#config.now()
      const { records, record } = retireRecord(keys, id, { usage, force, lease, now })
      return touched(records, record)
    })
  }

  /** Switches a key off (it neither encrypts nor decrypts) until it is reactivated. */
  async deactivateKey(id: string, options?: Readonly<KeyActionOptions>): Promise<KeyInfo> {
    const o = callOptions(options, { actor: true }, 'deactivateKey')
    const actor = actorOption(o.actor, this.#config.actor, 'deactivateKey')
    return this.#changeOne('key.deactivate', actor, ({ keys }) => {
      const { records, record } = deactivateRecord(keys, id, this.#config.now().toISOString())
      return touched(records, record)
    })
  }

  /** Switches an inactive key back on (active again only if it is still the newest of its type). */
  async reactivateKey(id: string, options?: Readonly<KeyActionOptions>): Promise<KeyInfo> {
    const o = callOptions(options, { actor: true }, 'reactivateKey')
    const actor = actorOption(o.actor, this.#config.actor, 'reactivateKey')
    return this.#changeOne('key.reactivate', actor, ({ keys }) => {
      const { records, record } = reactivateRecord(keys, id)
      return touched(records, record)
    })
  }

  /**
   * Imports data keys (base64 or bytes, newest first as in `FIELDSEAL_KEYS`) with their
   * fingerprint ids, so values they sealed still decrypt. Returns the keys added.
   */
  async importKeys(
    keys: ReadonlyArray<string | Uint8Array>,
    options?: Readonly<ImportKeysOptions>,
  ): Promise<KeyInfo[]> {
    if (!Array.isArray(keys) || keys.length === 0)
      throw new TypeError('importKeys: keys must be a non-empty array')
    const o = callOptions(options, { activate: true, ttlDays: true, actor: true }, 'importKeys')
    const kids = keys.map((key, i) => keyFingerprint(decodeKey(key, `imported key #${i + 1}`)))
    const activate = (o.activate ?? kids[0]) as string | false
    if (activate !== false && !kids.includes(activate)) {
      throw invalidOption(
        'importKeys',
        'activate must be the id of one of the imported keys, or false',
      )
    }
    const ttlDays = ttlOption(o.ttlDays, this.#config.ttlDays, 'importKeys')
    const actor = actorOption(o.actor, this.#config.actor, 'importKeys')
    return this.#change('key.import', actor, async ({ keys: current, wrapper }) => {
      const context = { now: this.#config.now(), ttlDays }
      const imported = await importRecords(current, wrapper, keys, activate, context, actor)
      return added(imported.records, imported.added)
    })
  }

  /**
   * Rewraps every key under a new master key (data is not touched). From then on the keyring opens
   * only with the new master key.
   */
  async rewrap(options: Readonly<RewrapOptions>): Promise<void> {
    const o = callOptions(
      options,
      {
        masterKey: true,
        passphrase: true,
        pbkdf2Iterations: true,
        masterKeyProvider: true,
        rotatedBy: true,
      },
      'rewrap',
    )
    if (
      o.masterKey === undefined &&
      o.passphrase === undefined &&
      o.masterKeyProvider === undefined
    ) {
      throw invalidOption('rewrap', 'give the new masterKey, passphrase or masterKeyProvider')
    }
    const { rotatedBy, ...masterOptions } = o
    const actor = actorOption(rotatedBy, this.#config.actor, 'rewrap')
    const input = resolveMasterOption(masterOptions, this.#config.env, 'rewrap')
    // Once, before the change (which may run again): deriving a passphrase key is slow, and a
    // provider's check is one call.
    const next = await createMasterKey(input, this.#config.env)
    try {
      await this.#change('key.rewrap', actor, async ({ keys, wrapper, wrapperFor, exists }) => {
        if (!exists) {
          throw new FieldsealError(
            'ERR_FIELDSEAL_KEY_STATE',
            'the keyring is empty: nothing to rewrap',
          )
        }
        const records = await rewrapRecords(keys, wrapper, wrapperFor(next))
        // Retired keys have no material: nothing of theirs was rewrapped.
        const count = records.filter((r) => r.wrapped !== null).length
        const events = [{ kid: next.id, keyType: 'master', count }]
        return { keys: records, master: next, masterInput: input, result: { keys: [], events } }
      })
    } catch (error) {
      await next.close().catch(() => undefined)
      throw error
    }
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
    try {
      await this.#session.close()
    } finally {
      await this.#session.store.close?.()
    }
  }

  /** Runs `change` as one read-modify-save and reports its outcome as `operation` by `actor`. */
  async #change(operation: FieldsealOperation, actor: string, change: Change): Promise<KeyInfo[]> {
    if (this.#closed)
      throw new FieldsealError('ERR_FIELDSEAL_KEY_STATE', 'the key manager is closed')
    const onEvent = this.#config.onEvent
    let outcome: Outcome
    try {
      outcome = await this.#session.change(change)
    } catch (error) {
      if (error instanceof FieldsealError) {
        const kid = error.kid === undefined ? {} : { kid: error.kid }
        onEvent?.({ operation, outcome: 'failure', code: error.code, actor, ...kid })
      }
      throw error
    }
    for (const event of outcome.events)
      onEvent?.({ operation, outcome: 'success', actor, ...event })
    return outcome.keys.map((r) => toKeyInfo(r, this.#session.usage.get(r.id)))
  }

  async #changeOne(operation: FieldsealOperation, actor: string, change: Change): Promise<KeyInfo> {
    return (await this.#change(operation, actor, change))[0] as KeyInfo
  }

  toJSON(): string {
    return `[KeyManager revision ${this.revision}]`
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON()
  }
}

/**
 * The validated configuration of `options` and the session it opens: what a key manager, and a
 * keyring around one, are built with.
 *
 * @example
 * ```ts
 * const { config, session } = await openManagerSession(options, 'openKeyring')
 * const manager = new KeyManager(session, config)
 * ```
 */
export async function openManagerSession(
  options: Record<string, unknown>,
  where: string,
): Promise<{ readonly config: KeyManagerConfig; readonly session: KeySession }> {
  const config = resolveManagerOptions(options, where)
  return { config, session: await KeySession.open(config) }
}

/**
 * Opens a key manager on a store, with the master key from the options or the environment.
 * Throws `ERR_FIELDSEAL_WRONG_MASTER_KEY` when the master key does not open the keyring,
 * `ERR_FIELDSEAL_STORE_TAMPERED` when the keyring was changed without it, and
 * `ERR_FIELDSEAL_KEYRING_NOT_FOUND` when the store holds none (unless `create: true`).
 *
 * @example
 * ```ts
 * const keys = await openKeyManager({
 *   store: new FileKeyStore('keyring.json'),
 *   passphrase: process.env.KEYRING_PASSPHRASE,
 * })
 * const fresh = await openKeyManager({ store: 'keys/new-keyring.json', create: true })
 * ```
 */
export async function openKeyManager(options?: Readonly<KeyManagerOptions>): Promise<KeyManager> {
  const defined = optionsObject(options, 'openKeyManager')
  rejectUnknownOptions(defined, KEY_MANAGER_OPTIONS, 'openKeyManager')
  const { config, session } = await openManagerSession(defined, 'openKeyManager')
  return new KeyManager(session, config)
}

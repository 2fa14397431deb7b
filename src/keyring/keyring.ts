/**
 * `Keyring`: the persisted keyring as the core's {@link KeySource}. It reads an in-memory
 * snapshot (lookups are synchronous, on the hot path): the active data key encrypts, active and
 * `pending_rotation` data keys decrypt, inactive and retired ones are refused by id. The store's
 * change notices (PostgreSQL LISTEN/NOTIFY, a file watch), a periodic refresh and a prompt one when
 * a value names an unknown key pick up rotations made by other instances without a restart. It seals only while its keyring was confirmed current within the
 * seal lease (`seal-lease.ts`). It counts encryptions per key, reports an expired or overused
 * active key, and rotates it when `autoRotate` is on.
 *
 * @module
 */
import { keyExhausted } from '../crypto/aes-gcm.js'
import { FieldsealError } from '../errors.js'
import type { FieldsealEvent } from '../core/events.js'
import type { DataKey, KeySource } from '../crypto/key-source.js'
import { optionsObject, rejectUnknownOptions } from '../util/option-checks.js'
import { KeyManager, openManagerSession } from './key-manager.js'
import { KeySession } from './key-session.js'
import { AutoRotator, KeyWatch } from './key-watch.js'
import {
  KEYRING_OPTIONS,
  resolveKeyringOptions,
  type KeyringConfig,
  type KeyringOptions,
} from './keyring-options.js'
import { buildView, CipherCache, EMPTY_VIEW, type KeyringView } from './keyring-view.js'
import { KEY_MANAGER_OPTIONS } from './manager-options.js'
import { RefreshLoop } from './refresh-loop.js'
import { LeaseGuard, recordRefreshInterval } from './seal-lease.js'
import type { KeyRecord, KeyringDocument, StoreWatch } from './types.js'

/**
 * A {@link KeySource} over a persisted keyring. Create it with {@link openKeyring}; the
 * {@link KeyManager} behind it is `keyring.manager`.
 *
 * @example
 * ```ts
 * const keyring = await openKeyring({ store: 'keys/keyring.json' }) // FIELDSEAL_MASTER_KEY
 * const sealer = createFieldseal({ keyring, fields: ['ssn'] })
 * await keyring.manager.rotateKey('data', { rotatedBy: 'ops' }) // old values still decrypt
 * ```
 */
export class Keyring implements KeySource {
  /** The key manager behind this keyring, for key operations. */
  readonly manager: KeyManager
  readonly #session: KeySession
  readonly #ciphers = new CipherCache()
  readonly #watch: KeyWatch
  readonly #refreshLoop: RefreshLoop
  readonly #rotator: AutoRotator
  readonly #config: KeyringConfig
  #built: KeyringDocument | undefined | null = null
  #view: KeyringView = EMPTY_VIEW
  #closed = false
  readonly #lease: LeaseGuard
  #storeWatch: StoreWatch | undefined

  /** @internal use {@link openKeyring}; `manager` must be built on `session`. */
  constructor(session: KeySession, manager: KeyManager, config: KeyringConfig) {
    if (!(session instanceof KeySession) || !(manager instanceof KeyManager)) {
      throw new TypeError('use openKeyring() to create a Keyring')
    }
    this.manager = manager
    this.#session = session
    this.#config = config
    this.#rotator = new AutoRotator(manager, (error) => config.onRefreshError(error))
    this.#watch = new KeyWatch(config, (kid) => this.#autoRotate(kid))
    this.#lease = new LeaseGuard(session, config.now, () => this.#refreshLoop.kick())
    this.#refreshLoop = new RefreshLoop(
      async () => {
        try {
          await this.manager.refresh()
          this.#lease.reloaded()
        } catch (error) {
          this.#lease.reloaded(error)
          throw error
        }
        this.#current()
        this.#checkActive()
      },
      (error) => this.#refreshFailed(error),
    )
    this.#current()
    this.#checkActive()
    // Started last: a keyring that failed to build must leave no timer or watch behind.
    if (config.refreshIntervalMs > 0) {
      this.#refreshLoop.every(config.refreshIntervalMs, async () => {
        await this.flush()
        await this.refresh()
      })
      // A store that can tell when it changed (LISTEN/NOTIFY, a file watch) makes a rotation
      // reach this instance at once; the timer stays, in case a notice is lost.
      this.#storeWatch = session.store.watch?.({
        onChange: () => this.#refreshLoop.notice(),
        onError: (error) => config.onRefreshError(error),
      })
    }
  }

  /** The active data key. `ERR_FIELDSEAL_NO_KEY` when the keyring has none. */
  encryptionKey(): DataKey {
    const active = this.#current().active
    if (active === undefined) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_NO_KEY',
        'the keyring has no active data key; run initEncryptionKeys() or rotateKey("data")',
      )
    }
    return active
  }

  /**
   * The data key with id `kid` if it may decrypt (active or pending rotation); throws
   * `ERR_FIELDSEAL_KEY_UNAVAILABLE` for an inactive or retired key; `undefined` when unknown
   * (and a reload is started, in case another instance just made that key).
   */
  decryptionKey(kid: string): DataKey | undefined {
    const view = this.#current()
    const key = view.byKid.get(kid)
    if (key !== undefined) return key
    if (view.unavailable.has(kid)) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_KEY_UNAVAILABLE',
        `key "${kid}" is inactive or retired`,
        { kid },
      )
    }
    this.#refreshLoop.kick()
    return undefined
  }

  /** Data keys that may decrypt, newest version first (for legacy values, which carry no kid). */
  legacyKeys(): readonly DataKey[] {
    return this.#current().legacy
  }

  /**
   * Reloads the keyring from its store (a reload that starts after this call: one already under
   * way is waited for, then one more runs); then checks the active key's expiry and count.
   */
  refresh(): Promise<void> {
    return this.#refreshLoop.run()
  }

  /** Saves the encryptions counted in this process (also done by the timer, rotations and close). */
  async flush(): Promise<void> {
    await this.manager.flush()
  }

  /**
   * Stops the timer and the store watch, saves the counts and closes the store. Lookups keep
   * answering from memory.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#storeWatch?.close()
    await this.#refreshLoop.stop()
    await this.manager.close()
  }

  #current(): KeyringView {
    const doc = this.#session.doc
    if (doc !== this.#built) {
      const onEncrypt = (kid: string) => this.#counted(kid)
      const mayEncrypt = (kid: string) => {
        this.#lease.check(kid)
        this.#checkBudget(kid)
      }
      const unwrap = (record: KeyRecord) => this.#session.unwrap(record)
      this.#view = buildView(doc?.keys ?? [], unwrap, this.#ciphers, onEncrypt, mayEncrypt)
      this.#built = doc
    }
    return this.#view
  }

  /** Refuses to seal with a key that used up its encryptions, stored and unsaved ones together. */
  #checkBudget(kid: string): void {
    const used = (this.#view.persisted.get(kid) ?? 0) + this.#session.usage.get(kid)
    if (used < this.#config.encryptionLimit) return
    if (this.#config.autoRotate) this.#autoRotate(kid)
    throw keyExhausted(this.#config.encryptionLimit, kid)
  }

  #counted(kid: string): void {
    const total = (this.#view.persisted.get(kid) ?? 0) + this.#session.usage.add(kid)
    const record = this.#view.activeRecord
    this.#watch.counted(kid, total, record?.id === kid ? record.version : undefined)
  }

  #checkActive(): void {
    const record = this.#view.activeRecord
    this.#watch.check(record, record === undefined ? 0 : this.#session.usage.get(record.id))
  }

  /**
   * A background refresh failed (the store or the master key's provider is unreachable…): the
   * last good keyring keeps serving, and the failure is reported as an event and to
   * `onRefreshError`.
   */
  #refreshFailed(error: unknown): void {
    const code = (error as { code?: unknown } | null)?.code
    if (typeof code === 'string' && code.startsWith('ERR_FIELDSEAL_')) {
      const failure = { operation: 'keyring.refresh', outcome: 'failure', code } as const
      this.#config.onEvent?.(failure as FieldsealEvent)
    }
    this.#config.onRefreshError(error)
  }

  #autoRotate(kid: string): void {
    if (!this.#closed) this.#rotator.rotate(kid)
  }

  toJSON(): string {
    return `[Keyring ${this.#view.active?.kid ?? 'without active key'}]`
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON()
  }
}

/**
 * Opens a persisted keyring as a key source for `createFieldseal({ keyring })`. Creates the
 * active data key when there is none (unless `init: false`).
 *
 * @example
 * ```ts
 * const keyring = await openKeyring({ store: 'keys/keyring.json', autoRotate: true, onEvent: audit })
 * const sealer = createFieldseal({ keyring })
 * process.on('SIGTERM', () => void keyring.close())
 * ```
 */
export async function openKeyring(options?: Readonly<KeyringOptions>): Promise<Keyring> {
  const defined = optionsObject(options, 'openKeyring')
  rejectUnknownOptions(defined, [...KEY_MANAGER_OPTIONS, ...KEYRING_OPTIONS], 'openKeyring')
  const config = resolveKeyringOptions(defined, 'openKeyring')
  const managerOptions = Object.fromEntries(
    Object.entries(defined).filter(([name]) => !KEYRING_OPTIONS.includes(name)),
  )
  const opened = await openManagerSession(managerOptions, 'openKeyring')
  const manager = new KeyManager(opened.session, opened.config)
  try {
    if (config.init) await manager.initEncryptionKeys()
    // Every instance's seal lease, and the wait before a retirement, follow the longest interval.
    await recordRefreshInterval(opened.session, config.refreshIntervalMs)
    return new Keyring(opened.session, manager, config)
  } catch (error) {
    await manager.close().catch(() => undefined)
    throw error
  }
}

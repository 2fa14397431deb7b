/**
 * `Keyring`: the persisted keyring as the core's {@link KeySource}. It reads an in-memory
 * snapshot (lookups are synchronous, on the hot path): the active data key encrypts, active and
 * `pending_rotation` data keys decrypt, inactive and retired ones are refused by id. A periodic
 * refresh (and a prompt one when a value names an unknown key) picks up rotations made by other
 * instances without a restart. It counts encryptions per key, reports an expired or overused
 * active key, and rotates it when `autoRotate` is on.
 *
 * @module
 */
import { AesGcmCipher } from '../aes-gcm.js'
import { FieldsealError } from '../errors.js'
import type { DataKey, KeySource } from '../key-source.js'
import { optionsObject, rejectUnknownOptions } from '../option-checks.js'
import { CountingCipher, DecryptOnlyCipher } from './counting-cipher.js'
import { isExpired } from './key-info.js'
import { openKeyManager, SESSION, type KeyManager } from './key-manager.js'
import type { KeySession } from './key-session.js'
import {
  KEYRING_OPTIONS,
  resolveKeyringOptions,
  type KeyringConfig,
  type KeyringOptions,
} from './keyring-options.js'
import { KEY_MANAGER_OPTIONS } from './manager-options.js'
import type { KeyRecord, KeyringDocument } from './types.js'

interface View {
  readonly active: DataKey | undefined
  readonly activeRecord: KeyRecord | undefined
  readonly byKid: ReadonlyMap<string, DataKey>
  readonly unavailable: ReadonlySet<string>
  readonly legacy: readonly DataKey[]
  readonly persisted: ReadonlyMap<string, number>
}

const EMPTY: View = {
  active: undefined,
  activeRecord: undefined,
  byKid: new Map(),
  unavailable: new Set(),
  legacy: [],
  persisted: new Map(),
}
// A value naming an unknown key triggers a reload, at most this often.
const UNKNOWN_KID_REFRESH_MS = 1_000
const AUTO_ROTATE_ACTOR = 'fieldseal:auto-rotate'

/**
 * A {@link KeySource} over a persisted keyring. Create it with {@link openKeyring}; the
 * {@link KeyManager} behind it is `keyring.manager`.
 *
 * @example
 * ```ts
 * const keyring = await openKeyring({ store: 'keys/keyring.json' }) // FIELDSEAL_MASTER_KEY
 * const fs = createFieldseal({ keyring, fields: ['ssn'] })
 * await keyring.manager.rotateKey('data', { rotatedBy: 'ops' }) // old values still decrypt
 * ```
 */
export class Keyring implements KeySource {
  /** The key manager behind this keyring, for key operations. */
  readonly manager: KeyManager
  readonly #session: KeySession
  readonly #config: KeyringConfig
  #built: KeyringDocument | undefined | null = null
  #view: View = EMPTY
  readonly #ciphers = new Map<string, { readonly wrapped: string; readonly cipher: AesGcmCipher }>()
  readonly #reported = new Set<string>()
  readonly #rotating = new Set<string>()
  #timer: NodeJS.Timeout | undefined
  #refreshing: Promise<void> | undefined
  #lastKick = 0
  #closed = false

  /** @internal use {@link openKeyring} */
  constructor(manager: KeyManager, config: KeyringConfig) {
    const session = (manager as unknown as Record<symbol, KeySession | undefined>)[SESSION]
    if (session === undefined) throw new TypeError('use openKeyring() to create a Keyring')
    this.manager = manager
    this.#session = session
    this.#config = config
    if (config.refreshIntervalMs > 0) {
      this.#timer = setInterval(() => void this.#tick(), config.refreshIntervalMs)
      this.#timer.unref()
    }
    this.#current()
    this.#watchActive()
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
    this.#kick()
    return undefined
  }

  /** Data keys that may decrypt, newest version first (for legacy values, which carry no kid). */
  legacyKeys(): readonly DataKey[] {
    return this.#current().legacy
  }

  /** Reloads the keyring from its store; then checks the active key's expiry and count. */
  refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        await this.manager.refresh()
        this.#current()
        this.#watchActive()
      } finally {
        this.#refreshing = undefined
      }
    })()
    return this.#refreshing
  }

  /** Saves the encryptions counted in this process (also done by the timer, rotations and close). */
  async flush(): Promise<void> {
    await this.manager.flush()
  }

  /** Stops the timer, saves the counts and closes the store. Lookups keep answering from memory. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    await this.#refreshing?.catch(() => undefined)
    await this.manager.close()
  }

  async #tick(): Promise<void> {
    try {
      await this.flush()
      await this.refresh()
    } catch (error) {
      this.#config.onRefreshError(error)
    }
  }

  #kick(): void {
    const now = Date.now()
    if (this.#closed || now - this.#lastKick < UNKNOWN_KID_REFRESH_MS) return
    this.#lastKick = now
    this.refresh().catch((error: unknown) => this.#config.onRefreshError(error))
  }

  #current(): View {
    const doc = this.#session.doc
    if (doc !== this.#built) {
      this.#view = this.#build(doc?.keys ?? [])
      this.#built = doc
    }
    return this.#view
  }

  #cipherFor(record: KeyRecord): AesGcmCipher {
    const cached = this.#ciphers.get(record.id)
    if (cached !== undefined && cached.wrapped === record.wrapped) return cached.cipher
    const material = this.#session.master.unwrap(record.id, record.wrapped as string)
    const cipher = new AesGcmCipher(material)
    material.fill(0)
    this.#ciphers.set(record.id, { wrapped: record.wrapped as string, cipher })
    return cipher
  }

  #build(records: readonly KeyRecord[]): View {
    const byKid = new Map<string, DataKey>()
    const unavailable = new Set<string>()
    const persisted = new Map<string, number>()
    const usable: Array<{ key: DataKey; version: number }> = []
    let active: DataKey | undefined
    let activeRecord: KeyRecord | undefined
    for (const record of records) {
      if (record.type !== 'data') continue
      if (record.status !== 'active' && record.status !== 'pending_rotation') {
        unavailable.add(record.id)
        this.#ciphers.delete(record.id)
        continue
      }
      const kid = record.id
      const inner = this.#cipherFor(record)
      const key: DataKey = Object.freeze({
        kid,
        cipher:
          record.status === 'active'
            ? new CountingCipher(inner, () => this.#counted(kid))
            : new DecryptOnlyCipher(inner, kid),
      })
      if (record.status === 'active') [active, activeRecord] = [key, record]
      byKid.set(kid, key)
      persisted.set(kid, record.encryptions)
      usable.push({ key, version: record.version })
    }
    const legacy = Object.freeze(usable.sort((a, b) => b.version - a.version).map((u) => u.key))
    return { active, activeRecord, byKid, unavailable, legacy, persisted }
  }

  #counted(kid: string): void {
    const total = (this.#view.persisted.get(kid) ?? 0) + this.#session.usage.add(kid)
    if (total >= this.#config.usageWarningThreshold) this.#overused(kid, total)
  }

  #overused(kid: string, total: number): void {
    if (this.#reported.has(`usage:${kid}`)) return
    this.#reported.add(`usage:${kid}`)
    const record = this.#view.activeRecord
    this.#config.onEvent?.({
      operation: 'key.usage-warning',
      outcome: 'warning',
      kid,
      keyType: 'data',
      count: total,
      ...(record?.id === kid ? { version: record.version } : {}),
    })
    if (this.#config.autoRotate) this.#autoRotate(kid)
  }

  /** Reports (once) an active key that expired or passed the usage threshold. */
  #watchActive(): void {
    const record = this.#view.activeRecord
    if (record === undefined) return
    const total = record.encryptions + this.#session.usage.get(record.id)
    if (total >= this.#config.usageWarningThreshold) this.#overused(record.id, total)
    if (!isExpired(record, this.#config.now()) || this.#reported.has(`expired:${record.id}`)) return
    this.#reported.add(`expired:${record.id}`)
    this.#config.onEvent?.({
      operation: 'key.expired',
      outcome: 'warning',
      kid: record.id,
      keyType: 'data',
      version: record.version,
    })
    if (this.#config.autoRotate) this.#autoRotate(record.id)
  }

  #autoRotate(kid: string): void {
    if (this.#closed || this.#rotating.has(kid)) return
    this.#rotating.add(kid)
    this.manager
      .rotateKey('data', { rotatedBy: AUTO_ROTATE_ACTOR, ifActive: kid })
      .catch((error: unknown) => {
        this.#rotating.delete(kid)
        this.#config.onRefreshError(error)
      })
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
 * const fs = createFieldseal({ keyring })
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
  const manager = await openKeyManager(managerOptions)
  if (config.init) await manager.initEncryptionKeys()
  return new Keyring(manager, config)
}

/**
 * The persisted shape of a keyring and the interface every key store implements.
 *
 * A store holds one {@link KeyringDocument}. Writers use optimistic concurrency: `save` succeeds
 * only if the stored revision is still the one the writer read, so two instances rotating at
 * once cannot both win; the loser reloads and retries. Key material is stored only wrapped by
 * the master key (AES-256-GCM, bound to the record's immutable fields); the master key itself is
 * never stored. Format 3 documents wrap through a master-key provider and carry a MAC over their
 * whole content; formats 1 (fieldseal 0.1.0) and 2 are read, and written back as format 3 on
 * their next save.
 *
 * @module
 */
import type { ProviderIdentity } from '../master-key/types.js'

/** Kinds of key the keyring manages (the reference's key types). */
export type KeyType = 'master' | 'data' | 'session' | 'signing'

/**
 * - `active`: encrypts and decrypts; one per type.
 * - `pending_rotation`: rotated out; decrypts only, its data awaits re-encryption.
 * - `inactive`: switched off (neither encrypts nor decrypts); can be switched back.
 * - `retired`: final; its material is erased and nothing decrypts with it.
 */
export type KeyStatus = 'active' | 'pending_rotation' | 'inactive' | 'retired'

/** One key version as stored. Timestamps are ISO 8601 strings. */
export interface KeyRecord {
  /** Key id, `[A-Za-z0-9_-]{1,64}`; for data keys it is the kid written into values. */
  readonly id: string
  readonly type: KeyType
  /** 1, 2, 3… per type. */
  readonly version: number
  readonly status: KeyStatus
  readonly algorithm: 'aes-256-gcm'
  readonly createdAt: string
  readonly expiresAt: string | null
  readonly rotatedAt: string | null
  readonly rotatedBy: string | null
  /**
   * When the key last stopped being the active key of its type (rotated out, switched off);
   * `null` while it is active, or if it never was. Instances may seal with a key for a while
   * after that (until they refresh), so retirement counts from this moment. Absent in format 1.
   */
  readonly activeUntil?: string | null
  /** base64url of the key as the master key wrapped it; `null` once retired. */
  readonly wrapped: string | null
  /** Encryptions made with this key, as last persisted (NIST SP 800-38D §8.3 limit: 2^32). */
  readonly encryptions: number
}

/**
 * Which master key seals the keyring (format 3): the provider's identity — which key, never a
 * secret; a passphrase's salt and count are in it — and a known value wrapped by the provider,
 * whose opening proves the configured provider holds the key.
 */
export interface ProviderMasterKeyInfo {
  readonly provider: ProviderIdentity
  /** base64url of the check value as the provider wrapped it. */
  readonly check: string
}

/** How formats 1 and 2 described their master key (a local key), read but no longer written. */
export interface LegacyMasterKeyInfo {
  /** `env`: a raw 32-byte key; `passphrase`: PBKDF2-HMAC-SHA256 with this salt and count. */
  readonly source: 'env' | 'passphrase'
  readonly salt: string | null
  readonly iterations: number | null
  /** A known value sealed under the master key; opening it proves the master key is right. */
  readonly check: string
}

/** What the keyring stores about its master key. */
export type MasterKeyInfo = ProviderMasterKeyInfo | LegacyMasterKeyInfo

/**
 * The whole persisted keyring. Format 2 adds `maxRefreshIntervalMs`, `macKey`, `mac` and each
 * record's `activeUntil`; format 1 (fieldseal 0.1.0) has none of them. Format 3 wraps through a
 * master-key provider and stores its identity in `master`.
 */
export interface KeyringDocument {
  readonly format: 'fieldseal-keyring'
  readonly formatVersion: 1 | 2 | 3
  /** Increases by one on every successful save. */
  readonly revision: number
  readonly master: MasterKeyInfo
  /** The longest refresh interval of the instances using this keyring, in ms. */
  readonly maxRefreshIntervalMs?: number
  /** The secret the document MAC is derived from, wrapped under the master key. */
  readonly macKey?: string
  readonly keys: readonly KeyRecord[]
  /** HMAC-SHA256 of the canonical document (`document-mac.ts`), base64url. */
  readonly mac?: string
}

/** What a store's watch calls (see {@link KeyStore.watch}). */
export interface StoreWatcher {
  /** The stored keyring may have changed: reload soon. A hint: it may repeat, and come late. */
  onChange(): void
  /** The watch failed; it keeps trying by itself (the keyring's timer still reloads). */
  onError(error: unknown): void
}

/** A running watch of a store. */
export interface StoreWatch {
  /** Stops watching and releases what the watch held (a connection, a file watcher). */
  close(): Promise<void>
}

/**
 * Persistence for a keyring.
 *
 * @example
 * ```ts
 * const store: KeyStore = new MemoryKeyStore()
 * const doc = await store.load() // undefined until the first save
 * ```
 */
export interface KeyStore {
  /** The stored document, or `undefined` when the store is empty. Corrupt or foreign data throws `ERR_FIELDSEAL_STORE_CORRUPT`. */
  load(): Promise<KeyringDocument | undefined>
  /**
   * Stores `doc` (whose `revision` is `expectedRevision + 1`) if the stored revision is still
   * `expectedRevision` (0 for an empty store); otherwise throws `ERR_FIELDSEAL_STORE_CONFLICT`
   * and changes nothing.
   */
  save(doc: KeyringDocument, expectedRevision: number): Promise<void>
  /** Releases connections, locks or handles. */
  close?(): Promise<void>
  /** How messages name this store (a path, a table): never a secret such as a password. */
  describe?(): string
  /**
   * Calls `watcher.onChange()` soon after any writer saves, so running keyrings reload at once
   * instead of at their next timer tick. Optional: without it, the timer alone propagates changes.
   */
  watch?(watcher: StoreWatcher): StoreWatch
}

/**
 * Where field encryption gets its keys. The core reads keys through this interface only, so the
 * static `FIELDSEAL_KEYS` list and the persisted keyring plug in the same way.
 *
 * Lookups are synchronous (they run per field, on the hot path) and read an in-memory snapshot;
 * a source backed by a store refreshes that snapshot through `refresh()`.
 *
 * @module
 */
import type { BytesLike } from './aes-gcm.js'

/** What a key must do to seal and open field values. `AesGcmCipher` is one. */
export interface FieldCipher {
  encrypt(plaintext: BytesLike, aad?: BytesLike): Buffer
  decrypt(data: Uint8Array, aad?: BytesLike): Buffer
}

/** A data key as the core sees it: an id written into each value, and its cipher. */
export interface DataKey {
  /** Key id, `[A-Za-z0-9_-]{1,64}`; written into every value it encrypts. Not secret. */
  readonly kid: string
  readonly cipher: FieldCipher
}

/**
 * A source of data keys.
 *
 * @example
 * ```ts
 * const source: KeySource = staticKeySource([process.env.MY_KEY!])
 * const sealer = createFieldseal({ keyring: source })
 * ```
 */
export interface KeySource {
  /** The key new values are encrypted with. Throws `ERR_FIELDSEAL_NO_KEY` when there is none. */
  encryptionKey(): DataKey
  /**
   * The key that may decrypt values written with `kid`; `undefined` when the id is unknown.
   * Throws `ERR_FIELDSEAL_KEY_UNAVAILABLE` for a key that exists but may not decrypt
   * (inactive or retired).
   */
  decryptionKey(kid: string): DataKey | undefined
  /** Keys tried, in order, for legacy values that carry no key id: data keys, newest first. */
  legacyKeys(): readonly DataKey[]
  /** Reloads keys from the backing store, if there is one (another instance may have rotated). */
  refresh?(): Promise<void>
}

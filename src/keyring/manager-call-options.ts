/**
 * Options of the key manager's calls. Each call checks its options (unknown names are refused
 * with a "Did you mean" hint); `undefined`, `{}` and `Object.create(null)` mean the same.
 *
 * @module
 */
import type { KeyUsageLike } from './key-retire.js'
import type { KeyType } from './types.js'

/** Options of the calls that change one key. */
export interface KeyActionOptions {
  /** Who acts, for the audit trail. Defaults to the manager's `actor`. */
  readonly actor?: string
}

/** Options of `initEncryptionKeys`. */
export interface InitKeysOptions {
  /** Types that must have an active key. Defaults to `['data']`. */
  readonly types?: readonly KeyType[]
  /** Lifetime of keys it creates. Defaults to the manager's `ttlDays`. */
  readonly ttlDays?: number | null
  readonly actor?: string
}

/** Options of `generateKey`. */
export interface GenerateKeyOptions {
  /** Lifetime in days, `null` for none. Defaults to the manager's `ttlDays` (90). */
  readonly ttlDays?: number | null
  readonly actor?: string
}

/** Options of `rotateKey`. */
export interface RotateKeyOptions {
  /** Who rotated, recorded on the old key and in the event. Defaults to the manager's `actor`. */
  readonly rotatedBy?: string
  /** Lifetime of the new key. Defaults to the manager's `ttlDays`. */
  readonly ttlDays?: number | null
  /** Rotate only if this key is still the active one (compare-and-swap for schedulers). */
  readonly ifActive?: string
}

/** Options of `retireKey`. */
export interface RetireKeyOptions {
  /** A usage report (`{ byKid }`); a data key is refused while it shows values under the key. */
  readonly usage?: KeyUsageLike
  /** Retire even without a report, or while values remain (they become unreadable). Defaults to `false`. */
  readonly force?: boolean
  readonly actor?: string
}

/** Options of `importKeys`. */
export interface ImportKeysOptions {
  /** Key id (fingerprint) of the imported key to make active; `false` for none. Defaults to the first key. */
  readonly activate?: string | false
  readonly ttlDays?: number | null
  readonly actor?: string
}

/** Options of `rewrap`: the new master key, as in `openKeyManager`. */
export interface RewrapOptions {
  readonly masterKey?: string | Uint8Array
  readonly passphrase?: string
  readonly pbkdf2Iterations?: number
  /** Who changed the master key. Defaults to the manager's `actor`. */
  readonly rotatedBy?: string
}

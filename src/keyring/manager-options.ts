/**
 * Options of `openKeyManager` (and the shared part of `openKeyring`), validated once when the
 * factory runs, and the options of the key manager's calls, validated once per call. Unknown
 * options are refused with a "Did you mean" hint; `undefined`, `{}` and `Object.create(null)`
 * mean the same.
 *
 * @module
 */
import type { EventHook } from '../core/events.js'
import {
  booleanOption,
  invalidOption,
  optionNames,
  optionsObject,
  positiveInteger,
  rejectUnknownOptions,
} from '../util/option-checks.js'
import { FileKeyStore } from './stores/file-store.js'
import type { MasterKeyProvider } from '../master-key/types.js'
import {
  checkMasterKeyInput,
  masterKeyInputFromEnv,
  masterKeyInputOfSpec,
  type MasterKeyInput,
} from './master-key-input.js'
import type { KeyUsageLike } from './key-lifecycle.js'
import type { KeyStore, KeyType } from './types.js'

/** Environment variable naming the keyring file when no `store` is given. */
export const KEYSTORE_ENV_VAR = 'FIELDSEAL_KEYSTORE'
/** Days a new key lives before it is due for rotation (the reference's TTL). */
export const DEFAULT_TTL_DAYS = 90

/** Options of `openKeyManager`. Every option is optional; `{}` and `undefined` are the same. */
export interface KeyManagerOptions {
  /**
   * Where the keyring lives: a {@link KeyStore}, or a file path for a `FileKeyStore`.
   * Defaults to a `FileKeyStore` at `FIELDSEAL_KEYSTORE`.
   */
  readonly store?: KeyStore | string
  /**
   * Start a new keyring when the store holds none. Otherwise an empty store is
   * `ERR_FIELDSEAL_KEYRING_NOT_FOUND`: a mistyped path, another working directory or a deleted
   * row must not look like a fresh start, since values sealed with the old keys would never open
   * again. Defaults to `false`.
   */
  readonly create?: boolean
  /**
   * The master key, base64 (32 bytes) or bytes. Defaults to `FIELDSEAL_MASTER_PROVIDER`, then
   * `FIELDSEAL_MASTER_KEY`, then `FIELDSEAL_MASTER_PASSPHRASE`.
   */
  readonly masterKey?: string | Uint8Array
  /** A passphrase to derive the master key from, instead of `masterKey`. */
  readonly passphrase?: string
  /** PBKDF2 iterations for a new passphrase keyring. Defaults to `600_000`; at least `100_000`. */
  readonly pbkdf2Iterations?: number
  /**
   * The master key held by a provider (an HSM, a KMS…), instead of `masterKey`: a
   * {@link MasterKeyProvider} (yours to close), or a spec such as `'aws-kms:alias/fieldseal'`
   * (`docs/master-key-providers.md`; the keyring creates the provider and closes it).
   */
  readonly masterKeyProvider?: MasterKeyProvider | string
  /** Where `FIELDSEAL_MASTER_*`, `FIELDSEAL_KEYSTORE` and a spec's provider variables are read. Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Lifetime of new keys in days; `null` for keys that never expire. Defaults to `90`. */
  readonly ttlDays?: number | null
  /** Who is recorded as acting when a call names no one. Defaults to `'system'`. */
  readonly actor?: string
  /** Audit hook, called once per key operation (never with material). Defaults to none. */
  readonly onEvent?: EventHook
  /** Attempts after a store conflict before giving up. Defaults to `20`. */
  readonly maxRetries?: number
  /** Clock, for tests. Defaults to `() => new Date()`. */
  readonly now?: () => Date
}

/** The validated configuration of a key manager. */
export interface KeyManagerConfig {
  readonly store: KeyStore
  readonly create: boolean
  readonly master: MasterKeyInput
  readonly env: NodeJS.ProcessEnv
  readonly ttlDays: number | null
  readonly actor: string
  readonly onEvent: EventHook | undefined
  readonly maxRetries: number
  readonly now: () => Date
}

/** Option names of {@link KeyManagerOptions}. */
export const KEY_MANAGER_OPTIONS = optionNames<KeyManagerOptions>({
  store: true,
  create: true,
  masterKey: true,
  passphrase: true,
  pbkdf2Iterations: true,
  masterKeyProvider: true,
  env: true,
  ttlDays: true,
  actor: true,
  onEvent: true,
  maxRetries: true,
  now: true,
})

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
  /** A provider, or a provider spec, to hold the master key from now on. */
  readonly masterKeyProvider?: MasterKeyProvider | string
  /** Who changed the master key. Defaults to the manager's `actor`. */
  readonly rotatedBy?: string
}

/**
 * Checks a call's options object once, before its change runs; returns its defined entries.
 *
 * @example
 * ```ts
 * const o = callOptions(options, { actor: true }, 'deactivateKey')
 * ```
 */
export function callOptions<T>(
  options: Readonly<T> | undefined,
  known: NoInfer<Readonly<Record<keyof T, true>>>,
  where: string,
): Record<string, unknown> {
  const defined = optionsObject(options, where)
  rejectUnknownOptions(defined, Object.keys(known), where)
  return defined
}

/**
 * A TTL in days: a positive finite number, or `null` for no expiry.
 *
 * @example
 * ```ts
 * ttlOption(30, 90, 'rotateKey') // 30
 * ```
 */
export function ttlOption(value: unknown, fallback: number | null, where: string): number | null {
  if (value === undefined) return fallback
  if (value === null) return null
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 36_500) {
    throw invalidOption(where, 'ttlDays must be a positive number of days (at most 36500) or null')
  }
  return value
}

/**
 * An actor name: 1 to 200 characters without control characters.
 *
 * @example
 * ```ts
 * actorOption('ops@example.com', 'system', 'rotateKey')
 * ```
 */
export function actorOption(value: unknown, fallback: string, where: string): string {
  if (value === undefined) return fallback
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > 200 ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: controls are refused in a name
    /[\u0000-\u001f\u007f]/.test(value)
  ) {
    throw invalidOption(where, 'an actor must be 1 to 200 characters without control characters')
  }
  return value
}

function storeOption(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  where: string,
): KeyStore {
  const store = value ?? env[KEYSTORE_ENV_VAR]
  if (typeof store === 'string' && store.trim() !== '') return new FileKeyStore(store)
  if (store === undefined || store === '') {
    throw invalidOption(
      where,
      `no key store: pass store (a KeyStore or a file path) or set ${KEYSTORE_ENV_VAR}`,
    )
  }
  const candidate = store as Partial<KeyStore>
  if (typeof candidate.load !== 'function' || typeof candidate.save !== 'function') {
    throw invalidOption(where, 'store must be a file path or implement the KeyStore interface')
  }
  return store as KeyStore
}

/**
 * The master key input of `options` (`masterKey`, `passphrase`, `pbkdf2Iterations`), else of `env`.
 *
 * @example
 * ```ts
 * resolveMasterOption({ passphrase: 'correct horse battery staple' }, {}, 'rewrap')
 * ```
 */
export function resolveMasterOption(
  options: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  where: string,
): MasterKeyInput {
  const { masterKey, passphrase, pbkdf2Iterations, masterKeyProvider } = options
  const given = [masterKey, passphrase, masterKeyProvider].filter((v) => v !== undefined).length
  if (given > 1) {
    throw invalidOption(where, 'give one of masterKey, passphrase or masterKeyProvider')
  }
  if (masterKeyProvider !== undefined) {
    if (pbkdf2Iterations !== undefined) {
      throw invalidOption(where, 'pbkdf2Iterations applies to a passphrase only')
    }
    if (typeof masterKeyProvider === 'string') {
      return masterKeyInputOfSpec(masterKeyProvider, env, `${where} masterKeyProvider`)
    }
    return checkMasterKeyInput({ provider: masterKeyProvider as MasterKeyProvider }, where)
  }
  if (pbkdf2Iterations !== undefined && passphrase === undefined && masterKey !== undefined) {
    throw invalidOption(where, 'pbkdf2Iterations applies to a passphrase only')
  }
  if (masterKey !== undefined)
    return checkMasterKeyInput({ key: masterKey as string }, `${where} masterKey`)
  if (passphrase !== undefined) {
    if (typeof passphrase !== 'string') throw invalidOption(where, 'passphrase must be a string')
    const iterations = pbkdf2Iterations as number | undefined
    return checkMasterKeyInput(
      { passphrase, ...(iterations === undefined ? {} : { iterations }) },
      `${where} passphrase`,
    )
  }
  const fromEnv = masterKeyInputFromEnv(env)
  if ('passphrase' in fromEnv && pbkdf2Iterations !== undefined) {
    return checkMasterKeyInput(
      { passphrase: fromEnv.passphrase, iterations: pbkdf2Iterations as number },
      where,
    )
  }
  return fromEnv
}

/**
 * Resolves the options of a key manager (already stripped of `undefined` and checked for
 * unknown names by the caller).
 *
 * @example
 * ```ts
 * const config = resolveManagerOptions({ store: 'keys/keyring.json' }, 'openKeyManager')
 * ```
 */
export function resolveManagerOptions(
  options: Record<string, unknown>,
  where: string,
): KeyManagerConfig {
  const env = (options.env ?? process.env) as Readonly<Record<string, string | undefined>>
  if (typeof env !== 'object' || env === null) throw invalidOption(where, 'env must be an object')
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw invalidOption(where, 'onEvent must be a function')
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw invalidOption(where, 'now must be a function returning a Date')
  }
  const master = resolveMasterOption(options, env, where)
  return {
    store: storeOption(options.store, env, where),
    create: booleanOption(options.create, false, 'create', where),
    master,
    env: env as NodeJS.ProcessEnv,
    ttlDays: ttlOption(options.ttlDays, DEFAULT_TTL_DAYS, where),
    actor: actorOption(options.actor, 'system', where),
    onEvent: options.onEvent as EventHook | undefined,
    maxRetries: positiveInteger(options.maxRetries, 20, 'maxRetries', where),
    now: (options.now as (() => Date) | undefined) ?? (() => new Date()),
  }
}

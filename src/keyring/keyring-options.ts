/**
 * Options of `openKeyring`: those of the key manager plus how the running keyring follows the
 * store (refresh), watches its keys (expiry, encryption count) and reports background failures.
 *
 * @module
 */
import { encryptionLimitOption } from '../crypto/aes-gcm.js'
import type { EventHook } from '../core/events.js'
import {
  booleanOption,
  invalidOption,
  optionNames,
  positiveInteger,
} from '../util/option-checks.js'
import type { KeyManagerOptions } from './manager-options.js'

/**
 * Encryptions after which a key is reported (`key.usage-warning`): 2^31, half the NIST
 * SP 800-38D §8.3 limit of 2^32 encryptions per key with random 96-bit nonces (or half a lower
 * `encryptionLimit`).
 */
export const DEFAULT_USAGE_WARNING_THRESHOLD = 2 ** 31
/** The longest refresh interval accepted: a day (the keyring document refuses more). */
export const MAX_REFRESH_INTERVAL_MS = 86_400_000
/** How often a keyring reloads its store by default, in ms. */
export const DEFAULT_REFRESH_INTERVAL_MS = 60_000

/** Options of `openKeyring`. Every option is optional; `{}` and `undefined` are the same. */
export interface KeyringOptions extends KeyManagerOptions {
  /** Create the active data key when the keyring has none (`initEncryptionKeys`). Defaults to `true`. */
  readonly init?: boolean
  /**
   * Reload the store (and save this process's encryption counts) every this many ms, so a
   * rotation made elsewhere is picked up without a restart. `0` turns the timer off. The timer
   * does not keep the process alive. The keyring records the longest interval in use: every
   * instance stops sealing when it could not reload for 3 such intervals, and a rotated-out key
   * can be retired only after that long (plus a minute). At most a day. Defaults to `60_000`.
   */
  readonly refreshIntervalMs?: number
  /**
   * Rotate the active data key automatically when it has expired or passed
   * `usageWarningThreshold`; otherwise such a key keeps working and is reported. Defaults to `false`.
   */
  readonly autoRotate?: boolean
  /**
   * Encryptions after which a key is reported (`key.usage-warning`, once), and rotated with
   * `autoRotate`. At most `encryptionLimit`. Defaults to half of `encryptionLimit` (`2 ** 31`).
   */
  readonly usageWarningThreshold?: number
  /**
   * Encryptions after which the active data key seals nothing more: sealing throws
   * `ERR_FIELDSEAL_KEY_EXHAUSTED` (and starts a rotation with `autoRotate`) while the key keeps
   * decrypting. Counted from the store's persisted count plus this process's unsaved one.
   * Defaults to `2 ** 32`, the NIST SP 800-38D §8.3 bound for random 96-bit nonces, the most
   * accepted.
   */
  readonly encryptionLimit?: number
  /**
   * Receives failures of background work (periodic refresh, automatic rotation). Defaults to
   * `process.emitWarning` with the error's code (never a secret).
   */
  readonly onRefreshError?: (error: unknown) => void
}

/** The validated keyring-specific options. */
export interface KeyringConfig {
  readonly init: boolean
  readonly refreshIntervalMs: number
  readonly autoRotate: boolean
  readonly usageWarningThreshold: number
  readonly encryptionLimit: number
  readonly onRefreshError: (error: unknown) => void
  readonly onEvent: EventHook | undefined
  readonly now: () => Date
}

/** Option names `openKeyring` adds to the key manager's. */
export const KEYRING_OPTIONS = optionNames<Omit<KeyringOptions, keyof KeyManagerOptions>>({
  init: true,
  refreshIntervalMs: true,
  autoRotate: true,
  usageWarningThreshold: true,
  encryptionLimit: true,
  onRefreshError: true,
})

function warn(error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code
  process.emitWarning(
    `fieldseal keyring: background refresh or rotation failed (${String(code ?? error)})`,
    {
      type: 'FieldsealWarning',
      code: typeof code === 'string' ? code : 'ERR_FIELDSEAL_KEYRING_BACKGROUND',
    },
  )
}

/**
 * Resolves the keyring-specific options of `options` (already stripped of `undefined`).
 *
 * @example
 * ```ts
 * resolveKeyringOptions({ refreshIntervalMs: 5000 }, 'openKeyring').refreshIntervalMs // 5000
 * ```
 */
export function resolveKeyringOptions(
  options: Record<string, unknown>,
  where: string,
): KeyringConfig {
  const interval = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS
  if (
    typeof interval !== 'number' ||
    !Number.isSafeInteger(interval) ||
    interval < 0 ||
    interval > MAX_REFRESH_INTERVAL_MS
  ) {
    throw invalidOption(
      where,
      'refreshIntervalMs must be a whole number of ms up to a day (0 turns the timer off)',
    )
  }
  const limit = encryptionLimitOption(options.encryptionLimit, where)
  const threshold = positiveInteger(
    options.usageWarningThreshold,
    Math.max(1, Math.min(DEFAULT_USAGE_WARNING_THRESHOLD, Math.floor(limit / 2))),
    'usageWarningThreshold',
    where,
  )
  if (threshold > limit) {
    throw invalidOption(where, 'usageWarningThreshold must be at most encryptionLimit (2 ** 32)')
  }
  for (const name of ['onRefreshError', 'onEvent', 'now']) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw invalidOption(where, `${name} must be a function`)
    }
  }
  return {
    init: booleanOption(options.init, true, 'init', where),
    refreshIntervalMs: interval,
    autoRotate: booleanOption(options.autoRotate, false, 'autoRotate', where),
    usageWarningThreshold: threshold,
    encryptionLimit: limit,
    onRefreshError: (options.onRefreshError as ((error: unknown) => void) | undefined) ?? warn,
    onEvent: options.onEvent as EventHook | undefined,
    now: (options.now as (() => Date) | undefined) ?? (() => new Date()),
  }
}

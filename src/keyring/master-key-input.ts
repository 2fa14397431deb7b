/**
 * Where a keyring's master key comes from: raw key bytes (or their strict base64, as in
 * `FIELDSEAL_MASTER_KEY`), or a passphrase (`FIELDSEAL_MASTER_PASSPHRASE`) for PBKDF2. Checked
 * once, when a factory runs.
 *
 * @module
 */
import { DEFAULT_PBKDF2_ITERATIONS } from '../crypto/aes-gcm.js'
import { FieldsealError } from '../errors.js'
import { invalidOption } from '../util/option-checks.js'
import { decodeKey } from '../crypto/static-keys.js'

/** Environment variable holding the master key: strict base64 of 32 bytes. */
export const MASTER_KEY_ENV_VAR = 'FIELDSEAL_MASTER_KEY'
/** Environment variable holding a master passphrase, when no raw master key is set. */
export const MASTER_PASSPHRASE_ENV_VAR = 'FIELDSEAL_MASTER_PASSPHRASE'
/**
 * Fewest PBKDF2 iterations accepted for a new passphrase keyring: the reference design's count.
 * The default is OWASP's 600 000 (Password Storage Cheat Sheet, 2023).
 */
export const MIN_PBKDF2_ITERATIONS = 100_000
// A stored count above this is not ours: refusing it keeps a tampered store from hanging start-up.
export const MAX_PBKDF2_ITERATIONS = 10_000_000

/** Where the master key comes from: raw key bytes (or their base64), or a passphrase. */
export type MasterKeyInput =
  | { readonly key: string | Uint8Array }
  | { readonly passphrase: string; readonly iterations?: number }

/**
 * Checks a master key input once, when a factory runs, and returns a normalised copy.
 *
 * @example
 * ```ts
 * checkMasterKeyInput({ key: process.env.FIELDSEAL_MASTER_KEY! })
 * checkMasterKeyInput({ passphrase: 'correct horse battery staple', iterations: 600_000 })
 * ```
 */
export function checkMasterKeyInput(input: MasterKeyInput, where = 'master key'): MasterKeyInput {
  if (typeof input !== 'object' || input === null) throw new TypeError(`${where} must be an object`)
  if ('key' in input && input.key !== undefined) {
    if ('passphrase' in input && input.passphrase !== undefined) {
      throw invalidOption(where, 'give either a master key or a passphrase, not both')
    }
    return { key: Buffer.from(decodeKey(input.key, where)) }
  }
  if (!('passphrase' in input) || typeof input.passphrase !== 'string' || input.passphrase === '') {
    throw invalidOption(where, 'a master key or a non-empty passphrase is required')
  }
  const iterations = input.iterations ?? DEFAULT_PBKDF2_ITERATIONS
  if (
    !Number.isSafeInteger(iterations) ||
    iterations < MIN_PBKDF2_ITERATIONS ||
    iterations > MAX_PBKDF2_ITERATIONS
  ) {
    throw invalidOption(
      where,
      `pbkdf2 iterations must be an integer from ${MIN_PBKDF2_ITERATIONS} to ${MAX_PBKDF2_ITERATIONS}`,
    )
  }
  return { passphrase: input.passphrase, iterations }
}

/**
 * The master key input named by the environment: `FIELDSEAL_MASTER_KEY`, else
 * `FIELDSEAL_MASTER_PASSPHRASE`. Throws `ERR_FIELDSEAL_NO_KEY` when neither is set.
 *
 * @example
 * ```ts
 * const input = masterKeyInputFromEnv(process.env)
 * ```
 */
export function masterKeyInputFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): MasterKeyInput {
  const key = env[MASTER_KEY_ENV_VAR]?.trim()
  const passphrase = env[MASTER_PASSPHRASE_ENV_VAR]
  if (key && passphrase) {
    throw invalidOption(
      'environment',
      `set ${MASTER_KEY_ENV_VAR} or ${MASTER_PASSPHRASE_ENV_VAR}, not both`,
    )
  }
  if (key) return checkMasterKeyInput({ key }, MASTER_KEY_ENV_VAR)
  if (passphrase) return checkMasterKeyInput({ passphrase }, MASTER_PASSPHRASE_ENV_VAR)
  throw new FieldsealError(
    'ERR_FIELDSEAL_NO_KEY',
    `no master key: set ${MASTER_KEY_ENV_VAR} (base64, 32 bytes) or pass masterKey or passphrase`,
  )
}

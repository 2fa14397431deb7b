/**
 * Where a keyring's master key comes from: raw key bytes (or their strict base64, as in
 * `FIELDSEAL_MASTER_KEY`), a passphrase (`FIELDSEAL_MASTER_PASSPHRASE`) for PBKDF2, a
 * {@link MasterKeyProvider} the application made, or a provider spec
 * (`FIELDSEAL_MASTER_PROVIDER=aws-kms:alias/fieldseal`). Checked once, when a factory runs.
 *
 * @module
 */
import { decodeKey } from '../crypto/static-keys.js'
import { FieldsealError } from '../errors.js'
import {
  MAX_PBKDF2_ITERATIONS,
  MIN_PBKDF2_ITERATIONS,
  pbkdf2Iterations,
} from '../master-key/local-key.js'
import {
  MASTER_PROVIDER_ENV_VAR,
  type MasterKeySpec,
  parseMasterKeySpec,
} from '../master-key/spec.js'
import type { MasterKeyProvider } from '../master-key/types.js'
import { invalidOption } from '../util/option-checks.js'

export { MAX_PBKDF2_ITERATIONS, MIN_PBKDF2_ITERATIONS }

/** Environment variable holding the master key: strict base64 of 32 bytes. */
export const MASTER_KEY_ENV_VAR = 'FIELDSEAL_MASTER_KEY'
/** Environment variable holding a master passphrase, when no raw master key is set. */
export const MASTER_PASSPHRASE_ENV_VAR = 'FIELDSEAL_MASTER_PASSPHRASE'
/** Where the master key comes from: raw key bytes (or their base64), a passphrase, or a provider. */
export type MasterKeyInput =
  | { readonly key: string | Uint8Array }
  | { readonly passphrase: string; readonly iterations?: number }
  | { readonly provider: MasterKeyProvider }
  | { readonly spec: Extract<MasterKeySpec, { target: string }> }

/**
 * True for an object that has the {@link MasterKeyProvider} shape.
 *
 * @example
 * ```ts
 * if (!isMasterKeyProvider(options.masterKeyProvider)) throw new TypeError('…')
 * ```
 */
export function isMasterKeyProvider(value: unknown): value is MasterKeyProvider {
  const candidate = value as Partial<MasterKeyProvider> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.wrap === 'function' &&
    typeof candidate.unwrap === 'function' &&
    typeof candidate.close === 'function' &&
    typeof candidate.identity === 'object' &&
    candidate.identity !== null &&
    typeof candidate.identity.kind === 'string'
  )
}

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
  if ('provider' in input) {
    if (!isMasterKeyProvider(input.provider)) {
      throw invalidOption(where, 'masterKeyProvider must implement MasterKeyProvider')
    }
    return input
  }
  if ('spec' in input) return input
  if ('key' in input && input.key !== undefined) {
    if ('passphrase' in input && input.passphrase !== undefined) {
      throw invalidOption(where, 'give either a master key or a passphrase, not both')
    }
    return { key: Buffer.from(decodeKey(input.key, where)) }
  }
  if (!('passphrase' in input) || typeof input.passphrase !== 'string' || input.passphrase === '') {
    throw invalidOption(where, 'a master key or a non-empty passphrase is required')
  }
  const iterations = pbkdf2Iterations(input.iterations, where)
  return { passphrase: input.passphrase, iterations }
}

/**
 * The master key input of a provider spec (`env` and `passphrase` read their secret from `env`).
 *
 * @example
 * ```ts
 * masterKeyInputOfSpec('vault-transit:fieldseal', process.env) // { spec: { kind: 'vault-transit', … } }
 * ```
 */
export function masterKeyInputOfSpec(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  where = MASTER_PROVIDER_ENV_VAR,
): MasterKeyInput {
  const spec = parseMasterKeySpec(text, where)
  if (spec.kind === 'env' || spec.kind === 'passphrase') {
    const name = spec.kind === 'env' ? MASTER_KEY_ENV_VAR : MASTER_PASSPHRASE_ENV_VAR
    const secret = spec.kind === 'env' ? env[name]?.trim() : env[name]
    if (!secret)
      throw new FieldsealError(
        'ERR_FIELDSEAL_NO_KEY',
        `no master key: ${where} says ${spec.kind}, but ${name} is not set`,
      )
    return spec.kind === 'env'
      ? checkMasterKeyInput({ key: secret }, name)
      : checkMasterKeyInput({ passphrase: secret }, name)
  }
  return { spec: spec as Extract<MasterKeySpec, { target: string }> }
}

/**
 * The master key input named by the environment: `FIELDSEAL_MASTER_PROVIDER`, else
 * `FIELDSEAL_MASTER_KEY`, else `FIELDSEAL_MASTER_PASSPHRASE`. Throws `ERR_FIELDSEAL_NO_KEY` when
 * none is set.
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
  const provider = env[MASTER_PROVIDER_ENV_VAR]?.trim()
  if (provider) {
    const spec = parseMasterKeySpec(provider, MASTER_PROVIDER_ENV_VAR)
    if (spec.kind !== 'env' && spec.kind !== 'passphrase' && (key || passphrase)) {
      throw invalidOption(
        'environment',
        `${MASTER_PROVIDER_ENV_VAR} names ${spec.kind}: unset ${key ? MASTER_KEY_ENV_VAR : MASTER_PASSPHRASE_ENV_VAR}`,
      )
    }
    return masterKeyInputOfSpec(provider, env)
  }
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
    `no master key: set ${MASTER_KEY_ENV_VAR} (base64, 32 bytes) or ${MASTER_PROVIDER_ENV_VAR}, or pass masterKey, passphrase or masterKeyProvider`,
  )
}

/**
 * The master key: the key-encryption key that wraps every key of a keyring (AES-256-GCM,
 * AAD = key id). It comes from `FIELDSEAL_MASTER_KEY` (strict base64, 32 bytes) or from a
 * passphrase (PBKDF2-HMAC-SHA256, salt kept in the keyring) and is never written anywhere: the
 * keyring stores only how to derive it and a `check` value sealed under it, so that a wrong
 * master key is told apart from a corrupt store the moment the keyring is opened.
 *
 * @module
 */
import { AesGcmCipher, DEFAULT_PBKDF2_ITERATIONS, KEY_LENGTH } from '../aes-gcm.js'
import { decodeBase64Strict, decodeBase64UrlStrict } from '../base64.js'
import { FieldsealError } from '../errors.js'
import { invalidOption } from '../option-checks.js'
import { decodeKey, keyFingerprint } from '../static-keys.js'
import type { MasterKeyInfo } from './types.js'

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
const MAX_PBKDF2_ITERATIONS = 10_000_000

const CHECK_PLAINTEXT = 'fieldseal keyring master key check v1'
const CHECK_AAD = 'fieldseal-keyring:check'

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

function wrongMaster(why: string): FieldsealError {
  return new FieldsealError('ERR_FIELDSEAL_WRONG_MASTER_KEY', `wrong master key: ${why}`)
}

/**
 * A master key in memory. Created only by {@link createMasterKey} and {@link openMasterKey};
 * never serialised, never inspected.
 */
export class MasterKey {
  /** Short fingerprint of the master key (not secret); shown in metadata to tell keys apart. */
  readonly id: string
  /** What the keyring stores about this master key. */
  readonly info: MasterKeyInfo
  readonly #cipher: AesGcmCipher

  private constructor(
    bytes: Uint8Array,
    info: MasterKeyInfo | ((cipher: AesGcmCipher) => MasterKeyInfo),
  ) {
    this.#cipher = new AesGcmCipher(bytes)
    this.id = keyFingerprint(bytes)
    this.info = Object.freeze(typeof info === 'function' ? info(this.#cipher) : info)
  }

  /** @internal */
  static fromBytes(
    bytes: Uint8Array,
    info: MasterKeyInfo | ((cipher: AesGcmCipher) => MasterKeyInfo),
  ): MasterKey {
    return new MasterKey(bytes, info)
  }

  /** Wraps key material: base64url(nonce ‖ ciphertext ‖ tag), bound to `keyId`. */
  wrap(keyId: string, material: Uint8Array): string {
    return this.#cipher.encrypt(material, keyId).toString('base64url')
  }

  /** Unwraps key material; a record that does not open under a verified master key is corrupt. */
  unwrap(keyId: string, wrapped: string): Buffer {
    const sealed = decodeBase64UrlStrict(wrapped)
    let material: Buffer | undefined
    try {
      if (sealed !== undefined) material = this.#cipher.decrypt(sealed, keyId)
    } catch {
      material = undefined
    }
    if (material === undefined || material.length !== KEY_LENGTH) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_STORE_CORRUPT',
        `the wrapped material of key "${keyId}" does not open under the master key`,
        { kid: keyId },
      )
    }
    return material
  }

  /** True when `check` was sealed under this key. */
  opens(check: string): boolean {
    const sealed = decodeBase64UrlStrict(check)
    if (sealed === undefined) return false
    try {
      return this.#cipher.decrypt(sealed, CHECK_AAD).toString('utf8') === CHECK_PLAINTEXT
    } catch {
      return false
    }
  }

  toJSON(): string {
    return `[MasterKey ${this.id}]`
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `[MasterKey ${this.id}]`
  }
}

function sealCheck(cipher: AesGcmCipher): string {
  return cipher.encrypt(CHECK_PLAINTEXT, CHECK_AAD).toString('base64url')
}

/**
 * A master key for a new keyring (or a rewrap): a fresh salt for a passphrase, a fresh check.
 *
 * @example
 * ```ts
 * const master = await createMasterKey({ passphrase: 'correct horse battery staple' })
 * ```
 */
export async function createMasterKey(input: MasterKeyInput): Promise<MasterKey> {
  const checked = checkMasterKeyInput(input)
  if ('key' in checked) {
    const bytes = checked.key as Uint8Array
    return MasterKey.fromBytes(bytes, (cipher) => ({
      source: 'env',
      salt: null,
      iterations: null,
      check: sealCheck(cipher),
    }))
  }
  const iterations = checked.iterations as number
  const { key, salt } = await AesGcmCipher.deriveKey(checked.passphrase, { iterations })
  const master = MasterKey.fromBytes(key, (cipher) => ({
    source: 'passphrase',
    salt: salt.toString('base64'),
    iterations,
    check: sealCheck(cipher),
  }))
  key.fill(0)
  return master
}

/**
 * The master key of an existing keyring, derived as `info` says and verified against its check.
 * Throws `ERR_FIELDSEAL_WRONG_MASTER_KEY` when it is not the key the keyring was sealed with.
 *
 * @example
 * ```ts
 * const master = await openMasterKey({ key: process.env.FIELDSEAL_MASTER_KEY! }, doc.master)
 * ```
 */
export async function openMasterKey(
  input: MasterKeyInput,
  info: MasterKeyInfo,
): Promise<MasterKey> {
  const checked = checkMasterKeyInput(input)
  let master: MasterKey
  if (info.source === 'env') {
    if (!('key' in checked)) {
      throw wrongMaster(
        `the keyring is sealed with a raw master key (${MASTER_KEY_ENV_VAR}), not a passphrase`,
      )
    }
    master = MasterKey.fromBytes(checked.key as Uint8Array, info)
  } else {
    if (!('passphrase' in checked))
      throw wrongMaster('the keyring is sealed with a passphrase, not a raw key')
    const salt = info.salt === null ? undefined : decodeBase64Strict(info.salt)
    const iterations = info.iterations ?? 0
    if (salt === undefined || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_STORE_CORRUPT',
        'keyring document: master salt or iterations are invalid',
      )
    }
    const { key } = await AesGcmCipher.deriveKey(checked.passphrase, { salt, iterations })
    master = MasterKey.fromBytes(key, info)
    key.fill(0)
  }
  if (!master.opens(info.check)) throw wrongMaster("it does not open the keyring's check value")
  return master
}

/**
 * The master key: the key-encryption key that wraps every key of a keyring (AES-256-GCM; the
 * associated data binds each wrapping to what it wraps, see `record-binding.ts`). It comes from `FIELDSEAL_MASTER_KEY` (strict base64, 32 bytes) or from a
 * passphrase (PBKDF2-HMAC-SHA256, salt kept in the keyring) and is never written anywhere: the
 * keyring stores only how to derive it and a `check` value sealed under it, so that a wrong
 * master key is told apart from a corrupt store the moment the keyring is opened.
 *
 * @module
 */
import { AesGcmCipher, KEY_LENGTH, type BytesLike } from '../crypto/aes-gcm.js'
import { decodeBase64Strict, decodeBase64UrlStrict } from '../crypto/base64.js'
import { FieldsealError } from '../errors.js'
import { keyFingerprint } from '../crypto/static-keys.js'
import {
  checkMasterKeyInput,
  MASTER_KEY_ENV_VAR,
  MAX_PBKDF2_ITERATIONS,
  type MasterKeyInput,
} from './master-key-input.js'
import type { MasterKeyInfo } from './types.js'

export type { MasterKeyInput } from './master-key-input.js'

const CHECK_PLAINTEXT = 'fieldseal keyring master key check v1'
const CHECK_AAD = 'fieldseal-keyring:check'

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

  /** Wraps key material: base64url(nonce ‖ ciphertext ‖ tag), bound to `aad`. */
  wrap(aad: BytesLike, material: Uint8Array): string {
    return this.#cipher.encrypt(material, aad).toString('base64url')
  }

  /**
   * Unwraps key material wrapped with `aad`; material that does not open under a verified master
   * key is a corrupt or tampered store (`ERR_FIELDSEAL_STORE_CORRUPT`, naming `keyId`).
   */
  unwrap(aad: BytesLike, wrapped: string, keyId: string): Buffer {
    const sealed = decodeBase64UrlStrict(wrapped)
    let material: Buffer | undefined
    try {
      if (sealed !== undefined) material = this.#cipher.decrypt(sealed, aad)
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

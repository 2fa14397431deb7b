/**
 * AES-256-GCM on raw bytes, in the layout of the reference design's `AESCipher`:
 * `nonce (12) ‖ ciphertext ‖ tag (16)`, with optional associated data.
 *
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  KeyObject,
  pbkdf2,
  randomBytes,
} from 'node:crypto'
import { decodeBase64Strict } from './base64.js'
import { FieldsealError } from '../errors.js'
import { NONCE_LENGTH, nextNonce } from './nonce-pool.js'
import {
  invalidOption,
  optionNames,
  optionsObject,
  rejectUnknownOptions,
} from '../util/option-checks.js'

/** AES-256 key length in bytes. */
export const KEY_LENGTH = 32
/** GCM tag length in bytes; shorter tags weaken authenticity (NIST SP 800-38D §5.2.1.2). */
export const TAG_LENGTH = 16
/** PBKDF2-HMAC-SHA256 iterations recommended by the OWASP Password Storage Cheat Sheet (2023). */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000
/** Iterations the reference design used; pass them to re-derive its keys. */
export const REFERENCE_PBKDF2_ITERATIONS = 100_000
/** Salt length in bytes that `deriveKey` generates. */
export const SALT_LENGTH = 16

/**
 * Encryptions one key may make with random 96-bit nonces. NIST SP 800-38D §8.3 allows at most
 * 2^32, which keeps the chance that two of them share a nonce (and so reveal the XOR of their
 * plaintexts and allow forgeries) at about 2^-33.
 */
export const MAX_ENCRYPTIONS_PER_KEY = 2 ** 32

/** Bytes, or text taken as its UTF-8 encoding. */
export type BytesLike = Uint8Array | string

/** Options of {@link AesGcmCipher.deriveKey}. */
export interface DeriveKeyOptions {
  /** Salt bytes. Defaults to 16 fresh random bytes. */
  readonly salt?: Uint8Array
  /** PBKDF2 iteration count. Defaults to `600_000`; the reference design used `100_000`. */
  readonly iterations?: number
}

/** Options of the {@link AesGcmCipher} constructor. */
export interface AesGcmCipherOptions {
  /**
   * Encryptions this instance makes before it refuses with `ERR_FIELDSEAL_KEY_EXHAUSTED`. It
   * counts in memory, per instance: a key used by several instances or processes needs the
   * keyring's persisted count (`openKeyring`). Defaults to `2 ** 32`, the most allowed.
   */
  readonly encryptionLimit?: number
}

const CIPHER_OPTIONS = optionNames<AesGcmCipherOptions>({ encryptionLimit: true })

/**
 * Checks an encryption limit option: a whole number from 1 to {@link MAX_ENCRYPTIONS_PER_KEY}.
 *
 * @example
 * ```ts
 * encryptionLimitOption(undefined, 'openKeyring') // 4294967296
 * ```
 */
export function encryptionLimitOption(value: unknown, where: string): number {
  if (value === undefined) return MAX_ENCRYPTIONS_PER_KEY
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < 1 ||
    value > MAX_ENCRYPTIONS_PER_KEY
  ) {
    throw invalidOption(where, 'encryptionLimit must be a whole number from 1 to 2 ** 32')
  }
  return value
}

/**
 * `ERR_FIELDSEAL_KEY_EXHAUSTED` for a key that made `limit` encryptions.
 *
 * @example
 * ```ts
 * throw keyExhausted(2 ** 32, 'Xk3v9_Qa1Bc')
 * ```
 */
export function keyExhausted(limit: number, kid?: string): FieldsealError {
  const which = kid === undefined ? 'this key' : `data key "${kid}"`
  return new FieldsealError(
    'ERR_FIELDSEAL_KEY_EXHAUSTED',
    `${which} has made ${limit} encryptions, its limit (NIST SP 800-38D allows 2^32 with random ` +
      'nonces); it still decrypts but seals nothing more: rotate to a new key',
    kid === undefined ? {} : { kid },
  )
}

const DECRYPT_FAILED = 'decryption failed: wrong key, wrong context or tampered value'
const GCM_OPTIONS = { authTagLength: TAG_LENGTH } as const

function toBytes(value: BytesLike, name: string): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  if (value instanceof Uint8Array) return value
  throw new TypeError(`${name} must be a Uint8Array or a string`)
}

/** Validates key bytes and wraps them in a KeyObject, so the raw bytes need not be kept. */
export function importKey(key: Uint8Array | KeyObject): KeyObject {
  if (key instanceof KeyObject) {
    if (key.type !== 'secret' || key.symmetricKeySize !== KEY_LENGTH) {
      throw new FieldsealError('ERR_FIELDSEAL_INVALID_KEY', 'an AES-256 key must be 32 bytes')
    }
    return key
  }
  if (!(key instanceof Uint8Array)) throw new TypeError('key must be a Uint8Array or a KeyObject')
  if (key.length !== KEY_LENGTH) {
    throw new FieldsealError(
      'ERR_FIELDSEAL_INVALID_KEY',
      `an AES-256 key must be 32 bytes, got ${key.length}`,
    )
  }
  return createSecretKey(key)
}

/**
 * AES-256-GCM with a fresh random 96-bit nonce per message.
 *
 * @example
 * ```ts
 * const cipher = new AesGcmCipher(AesGcmCipher.generateKey())
 * const sealed = cipher.encrypt('4111 1111 1111 1111', 'customer:42')
 * cipher.decrypt(sealed, 'customer:42').toString() // '4111 1111 1111 1111'
 * ```
 */
export class AesGcmCipher {
  readonly #key: KeyObject
  readonly #limit: number
  #encryptions = 0

  /**
   * @param key 32 key bytes or a secret KeyObject of 32 bytes; anything else throws.
   * @param options `encryptionLimit`; `undefined`, `{}` and `Object.create(null)` are the same.
   */
  constructor(key: Uint8Array | KeyObject, options?: Readonly<AesGcmCipherOptions>) {
    const defined = optionsObject(options, 'AesGcmCipher')
    rejectUnknownOptions(defined, CIPHER_OPTIONS, 'AesGcmCipher')
    this.#limit = encryptionLimitOption(defined.encryptionLimit, 'AesGcmCipher')
    this.#key = importKey(key)
  }

  /**
   * Returns `nonce ‖ ciphertext ‖ tag`. Throws `ERR_FIELDSEAL_KEY_EXHAUSTED` once this instance
   * has made `encryptionLimit` encryptions; an encryption that throws is not counted.
   */
  encrypt(plaintext: BytesLike, aad?: BytesLike): Buffer {
    if (this.#encryptions >= this.#limit) throw keyExhausted(this.#limit)
    const nonce = nextNonce()
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, GCM_OPTIONS)
    if (aad !== undefined) cipher.setAAD(toBytes(aad, 'aad'))
    // Strings go to OpenSSL without an intermediate Buffer.
    const body =
      typeof plaintext === 'string'
        ? cipher.update(plaintext, 'utf8')
        : cipher.update(toBytes(plaintext, 'plaintext'))
    cipher.final() // GCM is a stream mode: final() yields no bytes, it computes the tag.
    const tag = cipher.getAuthTag()
    const out = Buffer.allocUnsafe(NONCE_LENGTH + body.length + TAG_LENGTH)
    nonce.copy(out, 0)
    body.copy(out, NONCE_LENGTH)
    tag.copy(out, NONCE_LENGTH + body.length)
    this.#encryptions++
    return out
  }

  /**
   * Opens `nonce ‖ ciphertext ‖ tag`. Any failure — short input, wrong key, wrong AAD, a flipped
   * bit — throws the same `ERR_FIELDSEAL_DECRYPT_FAILED`, so callers cannot be used as an oracle.
   */
  decrypt(data: Uint8Array, aad?: BytesLike): Buffer {
    if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array')
    if (data.length < NONCE_LENGTH + TAG_LENGTH) {
      throw new FieldsealError('ERR_FIELDSEAL_DECRYPT_FAILED', DECRYPT_FAILED)
    }
    const tagStart = data.length - TAG_LENGTH
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        this.#key,
        data.subarray(0, NONCE_LENGTH),
        GCM_OPTIONS,
      )
      decipher.setAuthTag(data.subarray(tagStart))
      if (aad !== undefined) decipher.setAAD(toBytes(aad, 'aad'))
      const body = decipher.update(data.subarray(NONCE_LENGTH, tagStart))
      const final = decipher.final()
      return final.length === 0 ? body : Buffer.concat([body, final])
    } catch (cause) {
      throw new FieldsealError('ERR_FIELDSEAL_DECRYPT_FAILED', DECRYPT_FAILED, { cause })
    }
  }

  /** Encrypts UTF-8 text to standard base64, as the reference's `encrypt_string`. */
  encryptString(plaintext: string, aad?: BytesLike): string {
    if (typeof plaintext !== 'string') throw new TypeError('plaintext must be a string')
    return this.encrypt(plaintext, aad).toString('base64')
  }

  /** Decrypts the output of {@link encryptString}; the base64 must be canonical. */
  decryptString(encoded: string, aad?: BytesLike): string {
    if (typeof encoded !== 'string') throw new TypeError('encoded must be a string')
    const data = decodeBase64Strict(encoded)
    if (data === undefined) {
      throw new FieldsealError('ERR_FIELDSEAL_MALFORMED', 'ciphertext is not canonical base64')
    }
    return this.decrypt(data, aad).toString('utf8')
  }

  /** A new random 32-byte key. */
  static generateKey(): Buffer {
    return randomBytes(KEY_LENGTH)
  }

  /**
   * Derives a key from a password with PBKDF2-HMAC-SHA256. The password's UTF-8 bytes are used
   * as they are, without Unicode normalisation, as the reference did.
   *
   * @example
   * ```ts
   * const { key, salt } = await AesGcmCipher.deriveKey('correct horse battery staple')
   * // store `salt` beside the data; derive again with { salt } to get the same key
   * ```
   */
  static deriveKey(
    password: BytesLike,
    options: Readonly<DeriveKeyOptions> = {},
  ): Promise<{ key: Buffer; salt: Buffer }> {
    const passwordBytes = toBytes(password, 'password')
    const iterations = options.iterations ?? DEFAULT_PBKDF2_ITERATIONS
    if (!Number.isSafeInteger(iterations) || iterations < 1) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_INVALID_OPTION',
        'iterations must be a positive integer',
      )
    }
    if (options.salt !== undefined && !(options.salt instanceof Uint8Array)) {
      throw new TypeError('salt must be a Uint8Array')
    }
    const salt = Buffer.from(options.salt ?? randomBytes(SALT_LENGTH))
    return new Promise((resolve, reject) => {
      pbkdf2(passwordBytes, salt, iterations, KEY_LENGTH, 'sha256', (error, key) => {
        if (error) reject(error)
        else resolve({ key, salt })
      })
    })
  }

  /** Never shows key material when logged or serialised. */
  toJSON(): string {
    return '[AesGcmCipher]'
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[AesGcmCipher]'
  }
}

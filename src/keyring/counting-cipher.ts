/**
 * The ciphers the keyring hands to the core: the active key's asks before each encryption
 * whether the key may still seal and counts it after (NIST SP 800-38D §8.3 limits a key to 2^32
 * random-nonce encryptions), and a rotated-out key's refuses to encrypt, so only the active key
 * ever seals a new value.
 *
 * @module
 */
import type { BytesLike } from '../crypto/aes-gcm.js'
import { FieldsealError } from '../errors.js'
import type { FieldCipher } from '../crypto/key-source.js'

/**
 * Delegates to `inner`: calls `mayEncrypt` before every encryption (it throws to refuse) and
 * `onEncrypt` after every one that succeeded.
 *
 * @example
 * ```ts
 * const cipher = new CountingCipher(new AesGcmCipher(key), () => counter.add(kid), checkBudget)
 * ```
 */
export class CountingCipher implements FieldCipher {
  readonly #inner: FieldCipher
  readonly #onEncrypt: () => void
  readonly #mayEncrypt: () => void

  constructor(inner: FieldCipher, onEncrypt: () => void, mayEncrypt: () => void = () => {}) {
    this.#inner = inner
    this.#onEncrypt = onEncrypt
    this.#mayEncrypt = mayEncrypt
  }

  encrypt(plaintext: BytesLike, aad?: BytesLike): Buffer {
    this.#mayEncrypt()
    const sealed = this.#inner.encrypt(plaintext, aad)
    this.#onEncrypt()
    return sealed
  }

  decrypt(data: Uint8Array, aad?: BytesLike): Buffer {
    return this.#inner.decrypt(data, aad)
  }

  toJSON(): string {
    return '[CountingCipher]'
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[CountingCipher]'
  }
}

/**
 * Decrypts with `inner`; refuses to encrypt (`ERR_FIELDSEAL_KEY_STATE`).
 *
 * @example
 * ```ts
 * const cipher = new DecryptOnlyCipher(new AesGcmCipher(key), kid)
 * ```
 */
export class DecryptOnlyCipher implements FieldCipher {
  readonly #inner: FieldCipher
  readonly #kid: string

  constructor(inner: FieldCipher, kid: string) {
    this.#inner = inner
    this.#kid = kid
  }

  encrypt(): Buffer {
    throw new FieldsealError(
      'ERR_FIELDSEAL_KEY_STATE',
      `key "${this.#kid}" is rotated out: it decrypts only`,
      {
        kid: this.#kid,
      },
    )
  }

  decrypt(data: Uint8Array, aad?: BytesLike): Buffer {
    return this.#inner.decrypt(data, aad)
  }

  toJSON(): string {
    return '[DecryptOnlyCipher]'
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[DecryptOnlyCipher]'
  }
}

/**
 * The master key held in the process, on the same seam as an HSM or a KMS: a raw AES-256 key
 * (`FIELDSEAL_MASTER_KEY`, kind `env`) or one derived from a passphrase (PBKDF2-HMAC-SHA256,
 * kind `passphrase`, with the salt and iteration count in its identity so that the same
 * passphrase finds the same key). Wraps are AES-256-GCM, `iv ‖ ciphertext ‖ tag`, with the
 * canonical binding as associated data.
 *
 * Keyrings written before providers existed (formats 1 and 2) were wrapped by such a key with
 * associated data of their own; {@link LocalKeyProvider.legacyUnwrap} opens them, so those keyrings
 * open unchanged and are rewritten under the seam on their next save.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { AesGcmCipher, DEFAULT_PBKDF2_ITERATIONS } from '../crypto/aes-gcm.js'
import { decodeBase64Strict } from '../crypto/base64.js'
import { decodeKey, keyFingerprint } from '../crypto/static-keys.js'
import { FieldsealError } from '../errors.js'
import { invalidOption } from '../util/option-checks.js'
import { canonicalBinding, checkBytes, MAX_MATERIAL_LENGTH, MAX_WRAPPED_LENGTH } from './binding.js'
import { closedProvider, providerError } from './provider-error.js'
import type { KeyBinding, MasterKeyProvider, ProviderIdentity } from './types.js'

const IV = 12
const TAG = 16
/**
 * Fewest PBKDF2 iterations accepted for a new passphrase keyring: the reference design's count.
 * The default is OWASP's 600 000 (Password Storage Cheat Sheet, 2023).
 */
export const MIN_PBKDF2_ITERATIONS = 100_000
// A stored count above this is not ours: refusing it keeps a tampered store from hanging start-up.
export const MAX_PBKDF2_ITERATIONS = 10_000_000

/**
 * A PBKDF2 iteration count for a passphrase master key: `600_000` when `undefined`, else an
 * integer from {@link MIN_PBKDF2_ITERATIONS} to {@link MAX_PBKDF2_ITERATIONS}
 * (`ERR_FIELDSEAL_INVALID_OPTION` otherwise).
 *
 * @example
 * ```ts
 * pbkdf2Iterations(undefined, 'openKeyring') // 600000
 * ```
 */
export function pbkdf2Iterations(value: number | undefined, where: string): number {
  const iterations = value ?? DEFAULT_PBKDF2_ITERATIONS
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
  return iterations
}

/**
 * A master key in process memory. Create it with {@link createLocalKeyProvider} or
 * {@link createPassphraseProvider}; never serialised, never inspected.
 */
export class LocalKeyProvider implements MasterKeyProvider {
  readonly identity: ProviderIdentity
  /** Short fingerprint of the key (not secret), to tell master keys apart in metadata. */
  readonly fingerprint: string
  readonly #cipher: AesGcmCipher
  readonly #key: Buffer
  #closed = false

  /** @internal use the factories */
  constructor(key: Uint8Array, identity: ProviderIdentity) {
    this.#key = Buffer.from(key)
    this.#cipher = new AesGcmCipher(this.#key)
    this.fingerprint = keyFingerprint(this.#key)
    this.identity = Object.freeze({ ...identity })
  }

  async wrap(material: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    const plaintext = checkBytes(material, 'material', MAX_MATERIAL_LENGTH)
    const aad = canonicalBinding(binding)
    this.#open()
    const iv = randomBytes(IV)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv).setAAD(aad)
    return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
  }

  async unwrap(wrapped: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    const sealed = checkBytes(wrapped, 'wrapped', MAX_WRAPPED_LENGTH)
    const aad = canonicalBinding(binding)
    this.#open()
    try {
      if (sealed.length <= IV + TAG) throw new Error('short')
      const iv = sealed.subarray(0, IV)
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv).setAAD(aad)
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG))
      const body = sealed.subarray(IV, sealed.length - TAG)
      return Buffer.concat([decipher.update(body), decipher.final()])
    } catch {
      // The crypto error says nothing useful and is not kept: only what failed.
      throw providerError(
        this.identity.kind,
        'wrong-key',
        'the wrapped key does not open under this key',
      )
    }
  }

  /**
   * Opens what a format 1 or 2 keyring wrapped under this key with associated data `aad`;
   * `undefined` when it does not open (the caller knows whether that means a wrong key or a
   * damaged record).
   */
  legacyUnwrap(aad: Uint8Array | string, sealed: Uint8Array): Buffer | undefined {
    this.#open()
    try {
      return this.#cipher.decrypt(sealed, aad)
    } catch {
      return undefined
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#key.fill(0)
  }

  #open(): void {
    if (this.#closed) throw closedProvider(this.identity.kind)
  }

  toJSON(): string {
    return `[LocalKeyProvider ${this.identity.kind} ${this.fingerprint}]`
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON()
  }
}

/**
 * The master key as raw bytes, or their strict base64 as in `FIELDSEAL_MASTER_KEY` (kind `env`;
 * its identity carries the key's fingerprint, a truncated hash that is no secret).
 *
 * @example
 * ```ts
 * const provider = createLocalKeyProvider({ key: process.env.FIELDSEAL_MASTER_KEY! })
 * ```
 */
export function createLocalKeyProvider(options: {
  readonly key: string | Uint8Array
}): LocalKeyProvider {
  const bytes = Buffer.from(decodeKey(options?.key, 'master key'))
  // The fingerprint tells two raw keys apart in the identity, as key ids tell data keys apart.
  const provider = new LocalKeyProvider(bytes, { kind: 'env', fingerprint: keyFingerprint(bytes) })
  bytes.fill(0)
  return provider
}

/** Options of {@link createPassphraseProvider}. */
export interface PassphraseProviderOptions {
  readonly passphrase: string
  /** Base64 salt of an existing keyring (its identity holds it). Defaults to 16 fresh bytes. */
  readonly salt?: string
  /** PBKDF2 iterations, 100 000 to 10 000 000. Defaults to `600_000`. */
  readonly iterations?: number
}

/**
 * The master key derived from a passphrase (PBKDF2-HMAC-SHA256; kind `passphrase`). Without a
 * salt it makes a new one: for a new keyring or a rewrap. Slow by design (about a second at
 * the default count).
 *
 * @example
 * ```ts
 * const passphrase = process.env.FIELDSEAL_MASTER_PASSPHRASE ?? ''
 * const fresh = await createPassphraseProvider({ passphrase })
 * const again = await createPassphraseProvider({ passphrase, ...fresh.identity }) // same key
 * ```
 */
export async function createPassphraseProvider(
  options: Readonly<PassphraseProviderOptions>,
): Promise<LocalKeyProvider> {
  const passphrase = options?.passphrase
  if (typeof passphrase !== 'string' || passphrase === '') {
    throw invalidOption('passphrase provider', 'a non-empty passphrase is required')
  }
  const iterations = pbkdf2Iterations(options.iterations, 'passphrase provider')
  let salt: Buffer | undefined
  if (options.salt !== undefined) {
    salt = typeof options.salt === 'string' ? decodeBase64Strict(options.salt) : undefined
    if (salt === undefined || salt.length === 0) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_STORE_CORRUPT',
        'keyring document: the master salt is invalid',
      )
    }
  }
  const derived = await AesGcmCipher.deriveKey(passphrase, {
    iterations,
    ...(salt ? { salt } : {}),
  })
  const identity = { kind: 'passphrase', salt: derived.salt.toString('base64'), iterations }
  const provider = new LocalKeyProvider(derived.key, identity)
  derived.key.fill(0)
  return provider
}

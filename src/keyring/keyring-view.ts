/**
 * What a running keyring answers lookups from: the data keys of one keyring document, unwrapped
 * once and indexed by key id. Built again only when the document changes; unwrapped ciphers are
 * kept across builds while a key's wrapping is unchanged.
 *
 * The ciphers it hands to the core: the active key's asks before each encryption whether the key
 * may still seal and counts it after (NIST SP 800-38D §8.3 limits a key to 2^32 random-nonce
 * encryptions), and a rotated-out key's refuses to encrypt, so only the active key ever seals a
 * new value.
 *
 * @module
 */
import { AesGcmCipher, type BytesLike } from '../crypto/aes-gcm.js'
import type { DataKey, FieldCipher } from '../crypto/key-source.js'
import { FieldsealError } from '../errors.js'
import type { KeyRecord } from './types.js'

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

/** The data keys of one document, as lookups need them. */
export interface KeyringView {
  readonly active: DataKey | undefined
  readonly activeRecord: KeyRecord | undefined
  /** Keys that may decrypt: active and `pending_rotation`. */
  readonly byKid: ReadonlyMap<string, DataKey>
  /** Ids of inactive and retired data keys: refused, not unknown. */
  readonly unavailable: ReadonlySet<string>
  /** Keys that may decrypt, newest version first. */
  readonly legacy: readonly DataKey[]
  /** Encryptions per key as stored in the document. */
  readonly persisted: ReadonlyMap<string, number>
}

/** The view of an empty keyring. */
export const EMPTY_VIEW: KeyringView = Object.freeze({
  active: undefined,
  activeRecord: undefined,
  byKid: new Map(),
  unavailable: new Set<string>(),
  legacy: [],
  persisted: new Map(),
})

/**
 * Unwrapped ciphers by key id, so that a rebuilt view does not unwrap every key again. The
 * key bytes live only inside each cipher's KeyObject; the unwrapped buffer is zeroed at once.
 *
 * @example
 * ```ts
 * const ciphers = new CipherCache()
 * const cipher = ciphers.get(record, (r) => session.unwrap(r))
 * ```
 */
export class CipherCache {
  readonly #entries = new Map<string, { readonly wrapped: string; readonly cipher: AesGcmCipher }>()

  get(record: KeyRecord, unwrap: (record: KeyRecord) => Buffer): AesGcmCipher {
    const wrapped = record.wrapped as string
    const cached = this.#entries.get(record.id)
    if (cached !== undefined && cached.wrapped === wrapped) return cached.cipher
    const material = unwrap(record)
    const cipher = new AesGcmCipher(material)
    material.fill(0)
    this.#entries.set(record.id, { wrapped, cipher })
    return cipher
  }

  forget(id: string): void {
    this.#entries.delete(id)
  }
}

/**
 * Builds the view of `records`: the active key's cipher asks `mayEncrypt` first (which throws to
 * refuse) and counts encryptions (`onEncrypt`); a pending key's cipher only decrypts.
 *
 * @example
 * ```ts
 * const view = buildView(doc.keys, (r) => session.unwrap(r), ciphers, (kid) => counter.add(kid), checkBudget)
 * ```
 */
export function buildView(
  records: readonly KeyRecord[],
  unwrap: (record: KeyRecord) => Buffer,
  ciphers: CipherCache,
  onEncrypt: (kid: string) => void,
  mayEncrypt: (kid: string) => void = () => {},
): KeyringView {
  const byKid = new Map<string, DataKey>()
  const unavailable = new Set<string>()
  const persisted = new Map<string, number>()
  const usable: Array<{ key: DataKey; version: number }> = []
  let active: DataKey | undefined
  let activeRecord: KeyRecord | undefined
  for (const record of records) {
    if (record.type !== 'data') continue
    const kid = record.id
    if (record.status !== 'active' && record.status !== 'pending_rotation') {
      unavailable.add(kid)
      ciphers.forget(kid)
      continue
    }
    const inner = ciphers.get(record, unwrap)
    const cipher =
      record.status === 'active'
        ? new CountingCipher(
            inner,
            () => onEncrypt(kid),
            () => mayEncrypt(kid),
          )
        : new DecryptOnlyCipher(inner, kid)
    const key: DataKey = Object.freeze({ kid, cipher })
    if (record.status === 'active') [active, activeRecord] = [key, record]
    byKid.set(kid, key)
    persisted.set(kid, record.encryptions)
    usable.push({ key, version: record.version })
  }
  const legacy = Object.freeze(usable.sort((a, b) => b.version - a.version).map((u) => u.key))
  return { active, activeRecord, byKid, unavailable, legacy, persisted }
}

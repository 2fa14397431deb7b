/**
 * What one request sealed, so that its response need not decrypt it again.
 *
 * The echo-and-persist route is the common one: the inbound step encrypts the configured fields,
 * the handler stores and returns that body, and the outbound step would decrypt the very values
 * encrypted a moment before (half of the AES-GCM work of the request). The memo remembers, for
 * each `enc:` string the inbound step produced, the JSON text it sealed, the context (AAD) and
 * the key; the outbound step takes the plaintext from it instead of decrypting.
 *
 * Why the answer is exactly what decryption would give:
 * - Lookup is by the whole `enc:` string. Any changed character (a tampered nonce, tag, key id or
 *   payload) misses and is decrypted — and fails — as before.
 * - The context must equal the sealing context. A value moved to another field (whose context
 *   differs) misses and fails authentication in real decryption, as it must.
 * - AES-GCM decryption is deterministic: the same string under the same key and the same AAD
 *   opens to the text that was sealed. The key source must still hand out the same cipher for
 *   that key id now; if the key was retired, made unavailable or replaced since, the value is
 *   decrypted for real (and fails the way real decryption fails). The cipher's `decrypt` is not
 *   called for a remembered value.
 * - A hit returns the sealed JSON text parsed afresh, as opening does: never an object shared
 *   with the handler's plaintext.
 *
 * A memo belongs to one request's state (src/http/request-state.ts): it is never global, never
 * shared between requests, and it is garbage with the request. It holds plaintext the request
 * already exposes as `req.fieldseal.plaintext`, so it adds no exposure.
 *
 * @module
 */
import { parsePlaintextText, type SealObserver } from '../crypto/field-value.js'
import type { DataKey, KeySource } from '../crypto/key-source.js'
import { NOT_KNOWN, type KnownValues } from '../core/field-batch.js'

interface Sealed {
  readonly value: string
  readonly key: DataKey
  readonly text: string
  readonly context: string
}

/**
 * Beyond this many sealed values, lookups go through a map. A request seals a handful of fields:
 * a scan of a short array is cheaper than hashing the long `enc:` strings into a map.
 */
const SCAN_LIMIT = 16

/**
 * The values one request sealed.
 *
 * @example
 * ```ts
 * const memo = new SealMemo()
 * const body = encryptDocument(config, plaintext, fields, memo.observe)
 * const value = memo.recall(config.keys, body.ssn, 'ssn') // '078-05-1120', no decryption
 * ```
 */
export class SealMemo implements KnownValues {
  #sealed: Sealed[] | undefined
  #index: Map<string, Sealed> | undefined

  /** Pass to `encryptDocument` / `sealValue` to remember what they seal. */
  readonly observe: SealObserver = (value, key, text, context) => {
    const sealed: Sealed = { value, key, text, context }
    const all = (this.#sealed ??= [])
    all.push(sealed)
    if (this.#index !== undefined) this.#index.set(value, sealed)
    else if (all.length > SCAN_LIMIT) {
      this.#index = new Map(all.map((entry) => [entry.value, entry]))
    }
  }

  #find(value: string): Sealed | undefined {
    if (this.#index !== undefined) return this.#index.get(value)
    const all = this.#sealed
    if (all === undefined) return undefined
    for (let i = 0; i < all.length; i++) {
      const sealed = all[i] as Sealed
      if (sealed.value === value) return sealed
    }
    return undefined
  }

  /**
   * The value opening `value` under `context` with `keys` would give, when this request sealed
   * exactly `value` under exactly `context` with the key `keys` still hands out for its id;
   * otherwise {@link NOT_KNOWN}.
   */
  recall(keys: KeySource, value: string, context: string): unknown {
    const sealed = this.#find(value)
    if (sealed === undefined || sealed.context !== context) return NOT_KNOWN
    let current: DataKey | undefined
    try {
      current = keys.decryptionKey(sealed.key.kid)
    } catch {
      return NOT_KNOWN // real decryption reports why the key is unavailable
    }
    // The same cipher under the same id is what real decryption would use.
    return current !== undefined && current.cipher === sealed.key.cipher
      ? parsePlaintextText(sealed.text)
      : NOT_KNOWN
  }
}

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
import { parsePlaintextText, type SealObserver } from '../field-value.js'
import type { DataKey, KeySource } from '../key-source.js'

/** Returned by {@link SealMemo.recall} when the value must be decrypted for real. */
export const NOT_REMEMBERED: unique symbol = Symbol('fieldseal.notRemembered')

interface Sealed {
  readonly key: DataKey
  readonly text: string
  readonly context: string
}

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
export class SealMemo {
  #sealed: Map<string, Sealed> | undefined

  /** Pass to `encryptDocument` / `sealValue` to remember what they seal. */
  readonly observe: SealObserver = (sealed, key, text, context) => {
    this.#sealed ??= new Map()
    this.#sealed.set(sealed, { key, text, context })
  }

  /**
   * The value opening `value` under `context` with `keys` would give, when this request sealed
   * exactly `value` under exactly `context` with the key `keys` still hands out for its id;
   * otherwise {@link NOT_REMEMBERED}.
   */
  recall(keys: KeySource, value: string, context: string): unknown {
    const sealed = this.#sealed?.get(value)
    if (sealed === undefined || sealed.context !== context) return NOT_REMEMBERED
    let current: DataKey | undefined
    try {
      current = keys.decryptionKey(sealed.key.kid)
    } catch {
      return NOT_REMEMBERED // real decryption reports why the key is unavailable
    }
    // The same cipher under the same id is what real decryption would use.
    return current !== undefined && current.cipher === sealed.key.cipher
      ? parsePlaintextText(sealed.text)
      : NOT_REMEMBERED
  }
}

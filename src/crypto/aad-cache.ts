/**
 * A bounded cache of AAD bytes (value format v1: UTF-8("enc:v1:" kid ":") ‖ UTF-8(context)) per
 * key id and context.
 *
 * Contexts are field names, a small set, so keeping their encodings spares an encode per value.
 * But a value's context in a request is the client's choice (a key of the JSON body), and 0.1.0
 * cached every context it was asked for, of any size, before authentication: 2,048 failing
 * requests with large contexts left about 365 MB resident. So this cache:
 * - is told about a context only after it authenticated (a value opened or sealed under it);
 * - never keeps a context longer than {@link MAX_CACHED_CONTEXT_LENGTH} (no field name is);
 * - holds at most `maxBytes` (estimated, default {@link DEFAULT_AAD_CACHE_BYTES}), and starts
 *   over empty when the next entry would not fit.
 *
 * @module
 */

/** Longest context (UTF-16 code units) worth caching. */
export const MAX_CACHED_CONTEXT_LENGTH = 128
/** Default bound of a cache, in bytes. */
export const DEFAULT_AAD_CACHE_BYTES = 256 * 1024
// Map entry, typed array object and its backing store, beyond the bytes themselves (estimate).
const ENTRY_OVERHEAD = 160

/**
 * AAD bytes by key id, then context (two lookups spare building and hashing a new string per
 * value).
 *
 * @example
 * ```ts
 * const cache = new AadCache()
 * const aad = cache.lookup(kid, 'ssn') ?? Buffer.from(`enc:v1:${kid}:ssn`)
 * // … after the value authenticated under it:
 * cache.remember(kid, 'ssn', aad)
 * ```
 */
export class AadCache {
  readonly #byKid = new Map<string, Map<string, Uint8Array>>()
  readonly #maxBytes: number
  #bytes = 0

  constructor(maxBytes = DEFAULT_AAD_CACHE_BYTES) {
    this.#maxBytes = maxBytes
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.#bytes
  }

  /** The AAD remembered for `kid` and `context`, if any. */
  lookup(kid: string, context: string): Uint8Array | undefined {
    return this.#byKid.get(kid)?.get(context)
  }

  /** Keeps `aad` for `kid` and `context`. Call only once a value authenticated under it. */
  remember(kid: string, context: string, aad: Uint8Array): void {
    if (context.length > MAX_CACHED_CONTEXT_LENGTH) return
    const size = ENTRY_OVERHEAD + aad.byteLength + 2 * (kid.length + context.length)
    if (size > this.#maxBytes) return
    if (this.#bytes + size > this.#maxBytes) {
      this.#byKid.clear()
      this.#bytes = 0
    }
    let byContext = this.#byKid.get(kid)
    if (byContext === undefined) {
      byContext = new Map()
      this.#byKid.set(kid, byContext)
    }
    if (byContext.has(context)) return
    // A copy with its own memory: a small Buffer is a view of a shared 8 KiB pool slab, which a
    // cached view would keep alive.
    byContext.set(context, new Uint8Array(aad))
    this.#bytes += size
  }
}

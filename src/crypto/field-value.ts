/**
 * Sealing and opening one field value in value format v1, and opening legacy values.
 *
 * The plaintext is the value's JSON text, so numbers, booleans, objects and arrays come back as
 * they went in. Empty values (`''`, `null`, `undefined`) are never encrypted.
 *
 * @module
 */
import { AadCache } from './aad-cache.js'
import { isWellFormedText } from '../util/code-points.js'
import { FieldsealError, type FieldsealErrorCode } from '../errors.js'
import { formatV1, parseEnvelope, v1Header, type Envelope } from './envelope.js'
import type { DataKey, KeySource } from './key-source.js'
import { decodeUtf8Strict, parsePlaintextText, serializeValue } from './plaintext.js'

export { parsePlaintextText } from './plaintext.js'

/** `''`, `null` and `undefined` pass through encryption and decryption unchanged. */
export function isEmptyValue(value: unknown): value is '' | null | undefined {
  return value === '' || value === null || value === undefined
}

const MAX_CACHED = 4096
// Key ids here come from the key source (a sealing key, or one found for a value), never
// unchecked from a value, so this map stays as small as the keyring.
const headers = new Map<string, string>()
const aads = new AadCache()

function headerFor(kid: string): string {
  let header = headers.get(kid)
  if (header === undefined) {
    header = v1Header(kid)
    if (headers.size < MAX_CACHED) headers.set(kid, header)
  }
  return header
}

/**
 * AAD bytes of a key id and a context not found in the cache. A context that is not well-formed
 * UTF-16 is refused: UTF-8 would encode each lone surrogate as U+FFFD, so `"\uD800"` and
 * `"\uFFFD"` would bind the same bytes.
 */
function newAad(kid: string, context: string, path: string | undefined): Buffer {
  if (!isWellFormedText(context)) throw illFormedContext(path)
  return Buffer.from(headerFor(kid) + context, 'utf8')
}

function illFormedContext(path: string | undefined): FieldsealError {
  const message = 'the context (field name) is not well-formed Unicode (a lone surrogate)'
  return fail('ERR_FIELDSEAL_UNSUPPORTED_VALUE', message, path)
}

function fail(
  code: FieldsealErrorCode,
  message: string,
  path?: string,
  kid?: string,
  cause?: unknown,
) {
  return new FieldsealError(code, message, {
    ...(path === undefined ? {} : { path }),
    ...(kid === undefined ? {} : { kid }),
    ...(cause === undefined ? {} : { cause }),
  })
}

/**
 * Told about each value {@link sealValue} produces: the `enc:` string, the key that sealed it,
 * the JSON text that was sealed and the context. Lets a caller remember, for the rest of one
 * operation, what it has just sealed (see src/http/seal-memo.ts).
 *
 * @example
 * ```ts
 * const seen = new Map<string, string>()
 * sealValue(keys, '078-05-1120', 'ssn', 'ssn', (sealed, _key, text) => seen.set(sealed, text))
 * ```
 */
export type SealObserver = (sealed: string, key: DataKey, text: string, context: string) => void

/** Encrypts a non-empty value with the source's encryption key under `context`. */
export function sealValue(
  keys: KeySource,
  value: unknown,
  context: string,
  path?: string,
  observe?: SealObserver,
): string {
  const plaintext = serializeValue(value, path)
  const key = keys.encryptionKey()
  const header = headerFor(key.kid)
  const cached = aads.lookup(key.kid, context)
  const aad = cached ?? newAad(key.kid, context, path)
  const sealed = formatV1(header, key.cipher.encrypt(plaintext, aad))
  if (cached === undefined) aads.remember(key.kid, context, aad)
  observe?.(sealed, key, plaintext, context)
  return sealed
}

/** The outcome of opening a value: the plaintext value and the key that opened it. */
export interface Opened {
  readonly value: unknown
  readonly kid: string
  readonly legacy: boolean
}

function open(key: DataKey, sealed: Buffer, aad: Uint8Array | undefined, path?: string): Buffer {
  try {
    return key.cipher.decrypt(sealed, aad)
  } catch (cause) {
    // One message for every failure: a wrong key and a tampered value must look the same.
    throw fail('ERR_FIELDSEAL_DECRYPT_FAILED', 'decryption failed', path, key.kid, cause)
  }
}

function openV1(
  keys: KeySource,
  envelope: Extract<Envelope, { version: 'v1' }>,
  context: string,
  path?: string,
): Opened {
  let key: DataKey | undefined
  try {
    key = keys.decryptionKey(envelope.kid)
  } catch (cause) {
    if (cause instanceof FieldsealError) {
      throw fail(cause.code, cause.message, path, envelope.kid, cause)
    }
    throw cause
  }
  if (key === undefined) {
    throw fail('ERR_FIELDSEAL_UNKNOWN_KEY', `no key with id "${envelope.kid}"`, path, envelope.kid)
  }
  // Only a context under which a value authenticated is cached: a client sending values under
  // made-up contexts (keys of its JSON body) must not fill the cache.
  const cached = aads.lookup(envelope.kid, context)
  const aad = cached ?? newAad(envelope.kid, context, path)
  const plaintext = open(key, envelope.sealed, aad, path)
  if (cached === undefined) aads.remember(envelope.kid, context, aad)
  // Authentic, but only the key's holder could have written it: refused all the same.
  const text = decodeUtf8Strict(plaintext)
  if (text === undefined) {
    throw fail('ERR_FIELDSEAL_MALFORMED', 'decrypted payload is not UTF-8', path, key.kid)
  }
  try {
    return { value: parsePlaintextText(text), kid: key.kid, legacy: false }
  } catch {
    // JSON.parse quotes the text it chokes on — here decrypted plaintext — so no cause is kept.
    throw fail('ERR_FIELDSEAL_MALFORMED', 'decrypted payload is not JSON', path, key.kid)
  }
}

function openLegacy(keys: KeySource, sealed: Buffer, path?: string): Opened {
  let lastError: unknown
  for (const key of keys.legacyKeys()) {
    let plaintext: Buffer
    try {
      plaintext = open(key, sealed, undefined, path)
    } catch (error) {
      lastError = error
      continue
    }
    const text = decodeUtf8Strict(plaintext)
    if (text === undefined) {
      throw fail('ERR_FIELDSEAL_MALFORMED', 'decrypted payload is not UTF-8', path, key.kid)
    }
    return { value: text, kid: key.kid, legacy: true }
  }
  throw fail('ERR_FIELDSEAL_DECRYPT_FAILED', 'decryption failed', path, undefined, lastError)
}

/**
 * Opens an `enc:` string: v1 with the key its id names and the AAD of `context`, legacy with
 * each data key in turn (unless `readLegacy` is false: then `ERR_FIELDSEAL_LEGACY_FORMAT`).
 * Throws a coded {@link FieldsealError} for anything else.
 */
export function openValue(
  keys: KeySource,
  value: string,
  context: string,
  path?: string,
  readLegacy = true,
): Opened {
  const envelope = parseEnvelope(value, path)
  if (envelope.version === 'v1') return openV1(keys, envelope, context, path)
  if (!readLegacy) {
    throw fail(
      'ERR_FIELDSEAL_LEGACY_FORMAT',
      'value is in the legacy format (no key id), which this instance no longer reads (readLegacy: false)',
      path,
    )
  }
  // Legacy values bind no context, but a context that could not be bound is refused alike.
  if (!isWellFormedText(context)) throw illFormedContext(path)
  return openLegacy(keys, envelope.sealed, path)
}

/** The key id a value was written with (`undefined` for legacy values), without decrypting. */
export function keyIdOf(value: string, path?: string): string | undefined {
  const envelope = parseEnvelope(value, path)
  return envelope.version === 'v1' ? envelope.kid : undefined
}

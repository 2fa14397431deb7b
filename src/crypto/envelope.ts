/**
 * The text format of an encrypted field value (value format v1, a public contract):
 *
 *     enc:v1:<kid>:<base64url(nonce ‖ ciphertext ‖ tag), unpadded>
 *
 * AAD = UTF-8("enc:v1:<kid>:") ‖ UTF-8(context), so neither the key id nor the field a value
 * belongs to can be changed without failing authentication. The reference design's legacy
 * format, `enc:<standard base64 with padding>` with no key id and no AAD, is parsed too.
 *
 * @module
 */
import { TAG_LENGTH } from './aes-gcm.js'
import { decodeBase64Strict, decodeBase64UrlStrict } from './base64.js'
import { FieldsealError } from '../errors.js'
import { NONCE_LENGTH } from './nonce-pool.js'

/** Every string that starts with this is treated as ciphertext. */
export const ENCRYPTED_PREFIX = 'enc:'
/** Prefix of format v1 values. */
export const V1_PREFIX = 'enc:v1:'
/** Key ids are 1–64 characters of the base64url alphabet. */
export const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

const VERSIONED = /^enc:v\d+:/
const MIN_SEALED_LENGTH = NONCE_LENGTH + TAG_LENGTH

/** A parsed encrypted value. */
export type Envelope =
  | {
      readonly version: 'v1'
      readonly kid: string
      readonly header: string
      readonly sealed: Buffer
    }
  | { readonly version: 'legacy'; readonly sealed: Buffer }

/**
 * True when `value` is a string in an encrypted format (starts with `enc:`), well-formed or not.
 *
 * @example
 * ```ts
 * isEncrypted('enc:v1:Xk3v9_Qa1Bc:…') // true
 * isEncrypted('123-45-6789') // false
 * ```
 */
export function isEncrypted(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(ENCRYPTED_PREFIX)
}

function malformed(why: string, path: string | undefined): FieldsealError {
  return new FieldsealError('ERR_FIELDSEAL_MALFORMED', `malformed encrypted value: ${why}`, {
    ...(path === undefined ? {} : { path }),
  })
}

/** Parses an `enc:` string. Throws `ERR_FIELDSEAL_MALFORMED` for anything not well-formed. */
export function parseEnvelope(value: string, path?: string): Envelope {
  if (value.startsWith(V1_PREFIX)) {
    const colon = value.indexOf(':', V1_PREFIX.length)
    if (colon === -1) throw malformed('no key id', path)
    const kid = value.slice(V1_PREFIX.length, colon)
    if (!KID_PATTERN.test(kid)) throw malformed('invalid key id', path)
    const sealed = decodeBase64UrlStrict(value.slice(colon + 1))
    if (sealed === undefined) throw malformed('payload is not canonical base64url', path)
    if (sealed.length < MIN_SEALED_LENGTH) throw malformed('payload too short', path)
    return { version: 'v1', kid, header: value.slice(0, colon + 1), sealed }
  }
  if (VERSIONED.test(value)) throw malformed('unsupported format version', path)
  const sealed = decodeBase64Strict(value.slice(ENCRYPTED_PREFIX.length))
  if (sealed === undefined) throw malformed('payload is not canonical base64', path)
  if (sealed.length < MIN_SEALED_LENGTH) throw malformed('payload too short', path)
  return { version: 'legacy', sealed }
}

/** The part of a v1 value before the payload; also the first part of its AAD. */
export function v1Header(kid: string): string {
  return `${V1_PREFIX}${kid}:`
}

/**
 * True when `value` is a v1 value written with the key `kid` (it is not parsed: a malformed
 * payload still answers true).
 *
 * @example
 * ```ts
 * hasKeyId('enc:v1:Xk3v9_Qa1Bc:…', 'Xk3v9_Qa1Bc') // true
 * ```
 */
export function hasKeyId(value: string, kid: string): boolean {
  return (
    value.startsWith(V1_PREFIX) &&
    value.startsWith(kid, V1_PREFIX.length) &&
    value.charCodeAt(V1_PREFIX.length + kid.length) === 0x3a
  ) // ':'
}

/** Builds a v1 value from its header and sealed bytes. */
export function formatV1(header: string, sealed: Buffer): string {
  return header + sealed.toString('base64url')
}

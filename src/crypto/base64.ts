/**
 * Strict base64 decoding. Node's `Buffer.from(s, 'base64')` skips characters it does not know,
 * accepts both alphabets and ignores missing padding; for ciphertext that leniency lets two
 * different strings decode to the same bytes. These decoders accept exactly one spelling of each
 * byte string and return `undefined` for anything else.
 *
 * @module
 */

// RFC 4648 §4 (standard alphabet, '=' padding to a multiple of 4).
const STANDARD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

const ALPHABET_STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const ALPHABET_URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * The unused low bits of the last character must be zero (RFC 4648 §3.5, "canonical encoding"),
 * or two strings would decode to the same bytes.
 */
function hasCanonicalTail(text: string, dataLength: number, alphabet: string): boolean {
  const remainder = dataLength % 4
  if (remainder === 0) return true
  if (remainder === 1) return false
  const last = alphabet.indexOf(text.charAt(dataLength - 1))
  return remainder === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0
}

/** Decodes padded standard base64, or returns `undefined` when `text` is not canonical. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !STANDARD.test(text)) return undefined
  let dataLength = text.length
  while (dataLength > 0 && text.charCodeAt(dataLength - 1) === 0x3d) dataLength--
  if (!hasCanonicalTail(text, dataLength, ALPHABET_STANDARD)) return undefined
  return Buffer.from(text, 'base64')
}

/**
 * Decodes unpadded base64url (RFC 4648 §5, without padding as RFC 7515 §2 uses it), or returns
 * `undefined` when `text` is not canonical.
 *
 * This runs once per decrypted field, so it avoids a regex scan: Node's decoder skips any
 * character outside the alphabet, which makes the output shorter than `3n/4` bytes, so a length
 * check catches it. Only `+` and `/`, which Node also accepts here, need a separate search.
 */
export function decodeBase64UrlStrict(text: string): Buffer | undefined {
  if (!hasCanonicalTail(text, text.length, ALPHABET_URL_SAFE)) return undefined
  const bytes = Buffer.from(text, 'base64url')
  if (bytes.length !== Math.floor((text.length * 3) / 4)) return undefined
  if (text.includes('+') || text.includes('/')) return undefined
  return bytes
}

/**
 * A writer of value format v1 (and of the legacy format) as docs/value-format.md specifies it, with
 * node:crypto only — nothing from src/ — so that vectors made with it check fieldseal against the
 * specification, not against itself. Keys and nonces come from fixed labels: the same on every
 * run. Test keys only: never use them for data.
 *
 * @module
 */
import { createCipheriv, createHash } from 'node:crypto'

const sha256 = (...parts: Array<string | Uint8Array>) => {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return hash.digest()
}

/** A test key: SHA-256 of a public label, so anyone can derive it again. */
const testKey = (label: string) => sha256(`fieldseal value format v1 test key: ${label}`)

/** A 12-byte nonce from a label (each vector has its own). */
export const testNonce = (label: string) =>
  sha256(`fieldseal value format v1 test nonce: ${label}`).subarray(0, 12)

/** The label before the key in a key id: UTF-8 "fieldseal key id v1" and a 0x00 byte. */
export const KID_LABEL = Buffer.from('fieldseal key id v1\0', 'utf8')

/** Key id = base64url of the first 8 bytes of SHA-256(label ‖ key): 11 characters. */
export const keyIdOf = (key: Uint8Array) =>
  sha256(KID_LABEL, key).subarray(0, 8).toString('base64url')

/** The vectors' keys. */
export const KEYS = { 'key-1': testKey('1'), 'key-2': testKey('2') }
export type KeyName = keyof typeof KEYS
export const kidOf = (name: KeyName) => keyIdOf(KEYS[name])

export const utf8 = (text: string) => Buffer.from(text, 'utf8')

/** AES-256-GCM: nonce ‖ ciphertext ‖ 16-byte tag. */
function gcm(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 })
  if (aad !== undefined) cipher.setAAD(aad)
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([nonce, body, cipher.getAuthTag()])
}

/** What a v1 vector records about how it was sealed. */
export interface Sealed {
  readonly key: KeyName
  readonly kid: string
  readonly context: string
  readonly nonce: string
  readonly plaintextHex: string
  readonly encrypted: string
}

/**
 * Seals raw plaintext bytes: `"enc:v1:" kid ":" base64url(nonce ‖ ciphertext ‖ tag)` with
 * AAD = UTF-8("enc:v1:" kid ":") ‖ UTF-8(context), the nonce derived from `label`.
 */
export function sealV1(
  label: string,
  key: KeyName,
  context: string,
  plaintext: Uint8Array,
): Sealed {
  const kid = kidOf(key)
  const nonce = testNonce(label)
  const header = `enc:v1:${kid}:`
  const sealed = gcm(KEYS[key], nonce, plaintext, utf8(header + context))
  return {
    key,
    kid,
    context,
    nonce: nonce.toString('hex'),
    plaintextHex: Buffer.from(plaintext).toString('hex'),
    encrypted: header + sealed.toString('base64url'),
  }
}

/** A legacy value: `"enc:" base64(nonce ‖ ciphertext ‖ tag)`, padded, no AAD. */
export function sealLegacy(label: string, key: KeyName, plaintext: Uint8Array): string {
  return `enc:${gcm(KEYS[key], testNonce(label), plaintext).toString('base64')}`
}

/** The payload of a v1 value, and the value with another payload. */
export const payloadOf = (value: string) => value.slice(value.lastIndexOf(':') + 1)
export const withPayload = (value: string, payload: string) =>
  value.slice(0, value.lastIndexOf(':') + 1) + payload

/** The first of `label #0`, `label #1`, … whose sealed text passes `wanted` (deterministic). */
export function firstSealed(
  label: string,
  seal: (label: string) => string,
  wanted: (text: string) => boolean,
): string {
  for (let i = 0; ; i++) {
    const text = seal(`${label} #${i}`)
    if (wanted(text)) return text
  }
}

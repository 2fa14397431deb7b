/**
 * The simple key mode: a fixed list of data keys, newest first, like a keychain. The first
 * encrypts, all decrypt. Each key's id is a short fingerprint of the key.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { AesGcmCipher, KEY_LENGTH } from './aes-gcm.js'
import { decodeBase64Strict } from './base64.js'
import { FieldsealError } from '../errors.js'
import type { DataKey, KeySource } from './key-source.js'

/** Environment variable read when no keys are passed: comma-separated base64 32-byte keys. */
export const KEYS_ENV_VAR = 'FIELDSEAL_KEYS'

/**
 * Key id of a static key: 11 base64url characters of SHA-256 over a label and the key. A 64-bit
 * fingerprint of a 256-bit random key tells nothing about the key and makes collisions between
 * the few keys of one deployment negligible.
 *
 * @example
 * ```ts
 * keyFingerprint(AesGcmCipher.generateKey()) // e.g. 'Xk3v9_Qa1Bc'
 * ```
 */
export function keyFingerprint(key: Uint8Array): string {
  return createHash('sha256')
    .update('fieldseal key id v1\0')
    .update(key)
    .digest()
    .subarray(0, 8)
    .toString('base64url')
}

/** Decodes one configured key (base64 text or bytes) and checks its length. */
export function decodeKey(key: string | Uint8Array, label: string): Uint8Array {
  const bytes = typeof key === 'string' ? decodeBase64Strict(key.trim()) : key
  if (bytes === undefined) {
    throw new FieldsealError('ERR_FIELDSEAL_INVALID_KEY', `${label} is not canonical base64`)
  }
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${label} must be a string or Uint8Array`)
  if (bytes.length !== KEY_LENGTH) {
    throw new FieldsealError(
      'ERR_FIELDSEAL_INVALID_KEY',
      `${label} must decode to ${KEY_LENGTH} bytes, got ${bytes.length}`,
    )
  }
  return bytes
}

/**
 * A {@link KeySource} over fixed keys, newest first.
 *
 * @example
 * ```ts
 * const newest = AesGcmCipher.generateKey()
 * const older = AesGcmCipher.generateKey()
 * const source = staticKeySource([newest, older]) // encrypts with newest; both decrypt
 * ```
 */
export function staticKeySource(keys: ReadonlyArray<string | Uint8Array>): KeySource {
  if (!Array.isArray(keys)) throw new TypeError('keys must be an array')
  if (keys.length === 0) throw new FieldsealError('ERR_FIELDSEAL_NO_KEY', 'no data key was given')
  const dataKeys: DataKey[] = []
  const byKid = new Map<string, DataKey>()
  keys.forEach((key, index) => {
    const bytes = decodeKey(key, `key #${index + 1}`)
    const kid = keyFingerprint(bytes)
    if (byKid.has(kid)) return
    const dataKey: DataKey = { kid, cipher: new AesGcmCipher(bytes) }
    dataKeys.push(dataKey)
    byKid.set(kid, dataKey)
  })
  const newest = dataKeys[0] as DataKey
  return {
    encryptionKey: () => newest,
    decryptionKey: (kid) => byKid.get(kid),
    legacyKeys: () => dataKeys,
  }
}

/** Reads `FIELDSEAL_KEYS` from `env`; `undefined` when it is unset or blank. */
export function keysFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): string[] | undefined {
  const raw = env[KEYS_ENV_VAR]
  if (raw === undefined || raw.trim() === '') return undefined
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
}

import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { KID_PATTERN } from '../../../src/crypto/envelope.js'
import { keyFingerprint, keysFromEnv, staticKeySource } from '../../../src/crypto/static-keys.js'

describe('staticKeySource', () => {
  const a = AesGcmCipher.generateKey()
  const b = AesGcmCipher.generateKey()
  it('encrypts with the first key and decrypts with all, by fingerprint', () => {
    const source = staticKeySource([a.toString('base64'), b])
    expect(source.encryptionKey().kid).toBe(keyFingerprint(a))
    expect(source.decryptionKey(keyFingerprint(b))?.kid).toBe(keyFingerprint(b))
    expect(source.decryptionKey('nope')).toBeUndefined()
    expect(source.legacyKeys().map((k) => k.kid)).toEqual([keyFingerprint(a), keyFingerprint(b)])
  })
  it('fingerprints are short, stable, valid key ids and differ per key', () => {
    expect(keyFingerprint(a)).toMatch(KID_PATTERN)
    expect(keyFingerprint(a)).toHaveLength(11)
    expect(keyFingerprint(a)).toBe(keyFingerprint(Buffer.from(a)))
    expect(keyFingerprint(a)).not.toBe(keyFingerprint(b))
  })
  it('ignores a repeated key', () => {
    expect(staticKeySource([a, a]).legacyKeys()).toHaveLength(1)
  })
})

describe('keysFromEnv', () => {
  it('splits, trims and drops empty entries', () => {
    expect(keysFromEnv({ FIELDSEAL_KEYS: ' x , y ,' })).toEqual(['x', 'y'])
    expect(keysFromEnv({})).toBeUndefined()
  })
})

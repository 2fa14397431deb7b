/**
 * encryptField / decryptField against the raw node:crypto floor and @47ng/cloak (the cipher
 * prisma-field-encryption uses), for four value sizes. Run with `npm run bench`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { decryptStringSync, encryptStringSync, generateKey, parseKeySync } from '@47ng/cloak'
import { bench, describe } from 'vitest'
import { AesGcmCipher } from '../../src/crypto/aes-gcm.js'
import { createFieldseal } from '../../src/core/fieldseal.js'

const rawKey = AesGcmCipher.generateKey()
const fs = createFieldseal({ keys: [rawKey] })
const cloakKey = parseKeySync(generateKey())

const values: Record<string, string> = {
  ssn: '078-05-1120',
  email: 'jane.doe@example.com',
  'address (200 B)': '1600 Pennsylvania Avenue NW, Washington, DC 20500, United States of America; '
    .repeat(3)
    .slice(0, 200),
  '10 KiB': 'x'.repeat(10 * 1024),
}

/** The floor: what a hand-rolled helper does per value, with nothing cached. */
function floorEncrypt(plaintext: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', rawKey, iv)
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')
}

function floorDecrypt(encoded: string): string {
  const data = Buffer.from(encoded, 'base64url')
  const decipher = createDecipheriv('aes-256-gcm', rawKey, data.subarray(0, 12))
  decipher.setAuthTag(data.subarray(data.length - 16))
  return Buffer.concat([
    decipher.update(data.subarray(12, data.length - 16)),
    decipher.final(),
  ]).toString('utf8')
}

for (const [name, value] of Object.entries(values)) {
  const sealed = fs.encryptField(value, { context: 'field' })
  const floorSealed = floorEncrypt(value)
  const cloakSealed = encryptStringSync(value, cloakKey)

  describe(`encrypt ${name}`, () => {
    bench('node:crypto floor', () => void floorEncrypt(value))
    bench('fieldseal encryptField', () => void fs.encryptField(value, { context: 'field' }))
    bench('@47ng/cloak encryptStringSync', () => void encryptStringSync(value, cloakKey))
  })

  describe(`decrypt ${name}`, () => {
    bench('node:crypto floor', () => void floorDecrypt(floorSealed))
    bench('fieldseal decryptField', () => void fs.decryptField(sealed, { context: 'field' }))
    bench('@47ng/cloak decryptStringSync', () => void decryptStringSync(cloakSealed, cloakKey))
  })
}

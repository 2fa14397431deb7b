/**
 * The reference point for `bench:http`: the same work as the fieldseal pipeline, written
 * by hand with node:crypto — encrypt the 3 fields (random IV, AAD = field name), decrypt them for
 * the response and show the last four. No key ids, no inbound decryption, no limits, no error
 * mapping: what fieldseal's overhead is measured against.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

/** The sensitive fields of the bench body. */
export const SENSITIVE = ['ssn', 'card_number', 'bank_account_number'] as const

type Record_ = Record<string, unknown>

/**
 * The hand-written seal and mask steps, for one 32-byte key.
 *
 * @example
 * ```ts
 * const naive = createNaive(randomBytes(32))
 * res.json(naive.mask(store(naive.seal(req.body))))
 * ```
 */
export function createNaive(key: Buffer): {
  seal(record: Record_): Record_
  mask(record: Record_): Record_
} {
  return {
    seal(record) {
      const out = { ...record }
      for (const field of SENSITIVE) {
        const iv = randomBytes(12)
        const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(field))
        const data = Buffer.concat([
          cipher.update(JSON.stringify(record[field])),
          cipher.final(),
          cipher.getAuthTag(),
        ])
        out[field] = `enc:${Buffer.concat([iv, data]).toString('base64')}`
      }
      return out
    },
    mask(record) {
      const out = { ...record }
      for (const field of SENSITIVE) {
        const raw = Buffer.from(String(record[field]).slice(4), 'base64')
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12)).setAAD(
          Buffer.from(field),
        )
        decipher.setAuthTag(raw.subarray(raw.length - 16))
        const plain = Buffer.concat([
          decipher.update(raw.subarray(12, raw.length - 16)),
          decipher.final(),
        ])
        const text = String(JSON.parse(plain.toString()))
        out[field] = '*'.repeat(Math.max(0, text.length - 4)) + text.slice(-4)
      }
      return out
    },
  }
}

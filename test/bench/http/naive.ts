/**
 * A reference point for `bench:http`: the same work as the fieldseal pipeline, written by hand
 * with untuned node:crypto — open a v1 value the client sent in a sensitive field, encrypt the 3
 * fields (random IV, AAD = field name), decrypt them for the response and show the last four. No
 * key ids written, no limits, no error mapping. (floor.ts is the tuned, least-work one.)
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
  open(record: Record_): Record_
  seal(record: Record_): Record_
  mask(record: Record_): Record_
} {
  return {
    open(record) {
      let out = record
      for (const field of SENSITIVE) {
        const value = String(record[field])
        if (!value.startsWith('enc:v1:')) continue
        if (out === record) out = { ...record }
        const header = value.slice(0, value.lastIndexOf(':') + 1)
        const raw = Buffer.from(value.slice(header.length), 'base64url')
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
        decipher.setAAD(Buffer.from(header + field)).setAuthTag(raw.subarray(raw.length - 16))
        const plain = Buffer.concat([
          decipher.update(raw.subarray(12, raw.length - 16)),
          decipher.final(),
        ])
        out[field] = JSON.parse(plain.toString())
      }
      return out
    },
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

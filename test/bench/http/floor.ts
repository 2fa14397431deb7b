/**
 * The floor of `bench:http` (issue 11): the least work that gives the bench route the same result
 * as fieldseal, on the wire and at rest, written by hand for this one route with node:crypto.
 *
 * - At rest: the 3 sensitive fields sealed in value format v1 (`enc:v1:<kid>:<base64url(nonce ‖
 *   ciphertext ‖ tag)>`, plaintext = the value's JSON text, AAD = header ‖ field name), with the
 *   key id fieldseal gives a static key — so fieldseal opens every stored value.
 * - On the wire: the response masked from the plaintext the handler already has (no decryption),
 *   with the rules of the route (last four shown).
 * - Inbound (`--inbound-enc`): an `enc:v1:` value in a sensitive field is opened (authenticated
 *   under its field name) and sealed again, as fieldseal's middleware does.
 *
 * Tuned as a careful hand-written helper would be: the KeyObject, header and AAD bytes made once,
 * nonces cut from a pooled CSPRNG buffer, one output buffer per value. Nothing else: no paths, no
 * limits, no events, no checks beyond what authentication gives. run.ts checks that what it
 * stores opens with fieldseal and that its responses equal fieldseal's byte for byte, so that no
 * floor doing less can pass.
 *
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  randomFillSync,
} from 'node:crypto'
import { SENSITIVE } from './naive.js'

type Record_ = Record<string, unknown>
type Field = (typeof SENSITIVE)[number]

const NONCE = 12
const TAG = 16
const POOL = NONCE * 1024
const STARS = Array.from({ length: 65 }, (_, n) => '*'.repeat(n))

/** Last four characters shown (the route's values are ASCII: one character is one unit). */
function lastFour(text: string): string {
  const hidden = Math.max(0, text.length - 4)
  return (STARS[hidden] ?? '*'.repeat(hidden)) + text.slice(hidden)
}

/**
 * The floor's seal, open and mask steps, for one 32-byte key.
 *
 * @example
 * ```ts
 * const floor = createFloor(key)
 * const plaintext = floor.open(req.body)
 * db.insert(floor.seal(plaintext))
 * res.status(201).json(floor.mask(plaintext))
 * ```
 */
export function createFloor(keyBytes: Buffer): {
  open(body: Record_): Record_
  seal(plaintext: Record_): Record_
  mask(plaintext: Record_): Record_
} {
  const key = createSecretKey(keyBytes)
  // The static key id (docs/value-format.md, "Key ids"): 8 bytes of SHA-256 over a label and
  // the key.
  const kid = createHash('sha256')
    .update('fieldseal key id v1\0')
    .update(keyBytes)
    .digest()
    .subarray(0, 8)
    .toString('base64url')
  const header = `enc:v1:${kid}:`
  const aad = Object.fromEntries(
    SENSITIVE.map((field) => [field, Buffer.from(header + field, 'utf8')]),
  ) as Record<Field, Buffer>

  let pool = Buffer.allocUnsafe(0)
  let offset = 0

  const sealOne = (field: Field, value: unknown): string => {
    if (offset + NONCE > pool.length) {
      pool = randomFillSync(Buffer.allocUnsafe(POOL))
      offset = 0
    }
    const nonce = pool.subarray(offset, (offset += NONCE))
    const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad[field])
    const body = cipher.update(JSON.stringify(value), 'utf8')
    cipher.final()
    const out = Buffer.allocUnsafe(NONCE + body.length + TAG)
    nonce.copy(out, 0)
    body.copy(out, NONCE)
    cipher.getAuthTag().copy(out, NONCE + body.length)
    return header + out.toString('base64url')
  }

  const openOne = (field: Field, value: string): unknown => {
    if (!value.startsWith(header)) throw new Error(`${field}: not a value of this key`)
    const data = Buffer.from(value.slice(header.length), 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE))
      .setAAD(aad[field])
      .setAuthTag(data.subarray(data.length - TAG))
    const text = decipher.update(data.subarray(NONCE, data.length - TAG)).toString('utf8')
    decipher.final()
    return JSON.parse(text)
  }

  return {
    open(body) {
      let plaintext = body
      for (const field of SENSITIVE) {
        const value = body[field]
        if (typeof value === 'string' && value.startsWith('enc:')) {
          if (plaintext === body) plaintext = { ...body }
          plaintext[field] = openOne(field, value)
        }
      }
      return plaintext
    },
    seal(plaintext) {
      const out = { ...plaintext }
      for (const field of SENSITIVE) out[field] = sealOne(field, plaintext[field])
      return out
    },
    mask(plaintext) {
      const out = { ...plaintext }
      for (const field of SENSITIVE) out[field] = lastFour(String(plaintext[field]))
      return out
    },
  }
}

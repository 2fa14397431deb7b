/**
 * Where the fieldseal pipeline of `bench:http` spends its time, in process and without HTTP:
 * µs per call of each step on the bench's body (3 sensitive fields), next to the raw
 * AES-256-GCM cost of the same 6 operations.
 *
 *     npx tsx test/bench/http/pipeline-breakdown.ts [iterations=100000]
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { createHttpPipeline } from '../../../src/http/pipeline.js'
import { createMasker } from '../../../src/mask/masker.js'
import { createFloor } from './floor.js'
import { createNaive } from './naive.js'
import { requestThrough, respondThrough } from '../../helpers/pipeline.js'

const ITERATIONS = Number(process.argv[2] ?? 100_000)
const FIELDS = ['ssn', 'card_number', 'bank_account_number']
const fs = createFieldseal({ keys: [randomBytes(32)], fields: FIELDS })
const rules = { ssn: 'ssn', card_number: 'card', bank_account_number: 'last4' } as const
const pipeline = createHttpPipeline(fs, { mask: { decrypt: true, rules } })
const headers = { 'content-type': 'application/json' }
const body = () => ({
  id: 'c_1842',
  name: 'Ada Lovelace',
  ssn: '078-05-1120',
  card_number: '4111111111111111',
  bank_account_number: '000123456789',
  plan: 'gold',
})
const sealed = fs.encryptFields(body())
const masker = createMasker({ rules })

async function time(label: string, step: () => unknown): Promise<number> {
  for (let i = 0; i < ITERATIONS / 10; i++) await step() // warm-up
  const start = process.hrtime.bigint()
  for (let i = 0; i < ITERATIONS; i++) await step()
  const micros = Number(process.hrtime.bigint() - start) / ITERATIONS / 1000
  console.log(`${micros.toFixed(2).padStart(8)} µs  ${label}`)
  return micros
}

const key = randomBytes(32)
const aad = Buffer.from('enc:v1:abcdefghijk:ssn')
const plaintext = Buffer.from('"078-05-1120"')
const rawGcm = () => {
  for (let i = 0; i < 3; i++) {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad)
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
    const decipher = createDecipheriv('aes-256-gcm', key, iv)
      .setAAD(aad)
      .setAuthTag(cipher.getAuthTag())
    Buffer.concat([decipher.update(ciphertext), decipher.final()])
  }
}

console.log(`${ITERATIONS} iterations, node ${process.version}`)
await time('raw AES-256-GCM: 3 encrypt + 3 decrypt (node:crypto, random IV)', rawGcm)
await time('fs.encryptFields(body) — 3 fields', () => fs.encryptFields(body()))
await time('fs.decryptFields(sealed) — 3 fields', () => fs.decryptFields(sealed))
await time('createMasker(rules)(plaintext)', () => masker(body()))
await time('requestThrough(pipeline, body) — inbound scan + encrypt 3', () =>
  requestThrough(pipeline, { body: body(), headers }),
)
const { fieldseal: state } = await requestThrough(pipeline, { body: body(), headers })
await time('respondThrough(pipeline, sealed) — decrypt 3 + mask', () =>
  respondThrough(pipeline, sealed, state),
)
const floor = createFloor(randomBytes(32))
await time('floor: seal 3 + last-4 mask from the plaintext (bench:http floor)', () => {
  const plaintext = floor.open(body())
  floor.seal(plaintext)
  return floor.mask(plaintext)
})
const naive = createNaive(randomBytes(32))
await time('naive: seal 3 + decrypt 3 + last-4 mask (bench:http --naive)', () =>
  naive.mask(naive.seal(body())),
)
await time('request + prepareResponse (what one bench request costs)', async () => {
  const result = await requestThrough(pipeline, { body: body(), headers })
  return respondThrough(pipeline, result.body, result.fieldseal)
})

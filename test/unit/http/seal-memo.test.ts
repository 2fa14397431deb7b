import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { FieldsealError } from '../../../src/errors.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { sealValue } from '../../../src/crypto/field-value.js'
import { createHttpPipeline } from '../../../src/http/pipeline.js'
import { NOT_KNOWN } from '../../../src/core/field-batch.js'
import { SealMemo } from '../../../src/http/seal-memo.js'
import type { DataKey, KeySource } from '../../../src/crypto/key-source.js'
import { staticKeySource } from '../../../src/crypto/static-keys.js'
import { requestThrough, respondThrough } from '../../helpers/pipeline.js'

const SSN = '078-05-1120'
const CARD = '4111111111111111'
const json = { 'content-type': 'application/json', 'content-length': '10' }

/** A key source over static keys that counts decryptions and can make its key unavailable. */
function countingSource() {
  const inner = staticKeySource([randomBytes(32)])
  const base = inner.encryptionKey()
  let decrypts = 0
  const key: DataKey = {
    kid: base.kid,
    cipher: {
      encrypt: (plaintext, aad) => base.cipher.encrypt(plaintext, aad),
      decrypt: (data, aad) => {
        decrypts++
        return base.cipher.decrypt(data, aad)
      },
    },
  }
  let mode: 'ok' | 'unavailable' | 'replaced' = 'ok'
  const source: KeySource = {
    encryptionKey: () => key,
    decryptionKey: (kid) => {
      if (kid !== key.kid) return undefined
      if (mode === 'unavailable') {
        throw new FieldsealError('ERR_FIELDSEAL_KEY_UNAVAILABLE', 'retired', { kid })
      }
      return mode === 'replaced' ? { kid, cipher: { ...key.cipher } } : key
    },
    legacyKeys: () => [key],
  }
  return {
    source,
    decrypts: () => decrypts,
    set: (next: typeof mode) => void (mode = next),
  }
}

function setup() {
  const keys = countingSource()
  const fs = createFieldseal({ keyring: keys.source, fields: ['ssn', 'card_number', 'profile'] })
  const pipeline = createHttpPipeline(fs, {
    mask: { decrypt: true, rules: { ssn: 'ssn', card_number: 'card' } },
  })
  const request = (body: object) => requestThrough(pipeline, { body, headers: json })
  return { keys, fs, pipeline, request }
}

describe('SealMemo', () => {
  it('recalls only the exact value, under the exact context, while its key still opens it', () => {
    const keys = countingSource()
    const memo = new SealMemo()
    const profile = { city: 'London', born: 1815 }
    const sealedSsn = sealValue(keys.source, SSN, 'ssn', 'ssn', memo.observe)
    const sealedProfile = sealValue(keys.source, profile, 'profile', 'profile', memo.observe)

    expect(memo.recall(keys.source, sealedSsn, 'ssn')).toBe(SSN)
    const recalled = memo.recall(keys.source, sealedProfile, 'profile')
    expect(recalled).toEqual(profile)
    expect(recalled).not.toBe(profile) // a fresh copy, as decryption gives
    expect(memo.recall(keys.source, sealedSsn, 'card_number')).toBe(NOT_KNOWN)
    const changed = `${sealedSsn.slice(0, -1)}${sealedSsn.endsWith('A') ? 'B' : 'A'}`
    expect(memo.recall(keys.source, changed, 'ssn')).toBe(NOT_KNOWN)
    expect(new SealMemo().recall(keys.source, sealedSsn, 'ssn')).toBe(NOT_KNOWN)
    keys.set('unavailable')
    expect(memo.recall(keys.source, sealedSsn, 'ssn')).toBe(NOT_KNOWN)
    keys.set('replaced')
    expect(memo.recall(keys.source, sealedSsn, 'ssn')).toBe(NOT_KNOWN)
    expect(keys.decrypts()).toBe(0)
  })

  it('finds every value among many (past the short scan) and only under its own context', () => {
    const keys = countingSource()
    const memo = new SealMemo()
    const sealed = Array.from({ length: 40 }, (_, i) =>
      sealValue(keys.source, `v${i}`, `f${i}`, `f${i}`, memo.observe),
    )
    sealed.forEach((value, i) => {
      expect(memo.recall(keys.source, value, `f${i}`)).toBe(`v${i}`)
      expect(memo.recall(keys.source, value, `f${(i + 1) % 40}`)).toBe(NOT_KNOWN)
    })
    expect(keys.decrypts()).toBe(0)
  })
})

describe('pipeline response with what the same request sealed', () => {
  it('answers what real decryption answers, without decrypting again', async () => {
    const { keys, fs, pipeline, request } = setup()
    const profile = { city: 'London', tags: ['a', 'é\u{1F600}'], n: 1.5 }
    const input = { id: 7, ssn: SSN, card_number: CARD, profile }
    const { body, fieldseal } = await request(input)
    expect(keys.decrypts()).toBe(0)

    const remembered = (await respondThrough(pipeline, body, fieldseal)) as any
    expect(keys.decrypts()).toBe(0)
    // The same body through another request's state is decrypted for real.
    const other = await request({ id: 8 })
    const decrypted = await respondThrough(pipeline, body, other.fieldseal)
    expect(keys.decrypts()).toBe(3)
    expect(remembered).toEqual(decrypted)
    expect(remembered).toEqual({
      id: 7,
      ssn: '*******1120',
      card_number: '************1111',
      profile,
    })
    expect(remembered.profile).not.toBe(profile)
    expect(remembered.profile).not.toBe(fieldseal.plaintext)
    expect(fs.decryptFields(body)).toEqual(input)
  })

  it('still fails a value moved to another field, exactly as decryption does', async () => {
    const { keys, pipeline, request } = setup()
    const { body, fieldseal } = await request({ ssn: SSN, card_number: CARD })
    const moved = { ...(body as any), card_number: (body as any).ssn }
    const error = await respondThrough(pipeline, moved, fieldseal).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'ERR_FIELDSEAL_RESPONSE_FAILED',
      path: 'card_number',
      cause: { code: 'ERR_FIELDSEAL_DECRYPT_FAILED' },
    })
    expect(keys.decrypts()).toBe(1)
    const fresh = await request({})
    const real = await respondThrough(pipeline, moved, fresh.fieldseal).catch((e: unknown) => e)
    expect(real).toMatchObject({ code: (error as FieldsealError).code, path: 'card_number' })
  })

  it('still fails a tampered value', async () => {
    const { pipeline, request } = setup()
    const { body, fieldseal } = await request({ ssn: SSN })
    const sealed = (body as { ssn: string }).ssn
    const last = sealed.at(-2) === 'A' ? 'B' : 'A'
    const tampered = { ssn: `${sealed.slice(0, -2)}${last}${sealed.at(-1)}` }
    await expect(respondThrough(pipeline, tampered, fieldseal)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_RESPONSE_FAILED',
      path: 'ssn',
    })
  })

  it('does not outlive the request: another request, or none, decrypts for real', async () => {
    const { keys, pipeline, request } = setup()
    const first = await request({ ssn: SSN })
    const second = await request({ ssn: SSN })
    await respondThrough(pipeline, first.body, second.fieldseal)
    expect(keys.decrypts()).toBe(1)
    await respondThrough(pipeline, first.body, undefined)
    expect(keys.decrypts()).toBe(2)
    await respondThrough(pipeline, second.body, second.fieldseal)
    expect(keys.decrypts()).toBe(2)
  })

  it('follows the key source: a key retired since the request fails as decryption does', async () => {
    const { keys, pipeline, request } = setup()
    const { body, fieldseal } = await request({ ssn: SSN })
    keys.set('unavailable')
    await expect(respondThrough(pipeline, body, fieldseal)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_RESPONSE_FAILED',
      cause: { code: 'ERR_FIELDSEAL_KEY_UNAVAILABLE' },
    })
    keys.set('replaced')
    await expect(respondThrough(pipeline, body, fieldseal)).resolves.toEqual({
      ssn: '*******1120',
    })
    expect(keys.decrypts()).toBe(1)
  })
})

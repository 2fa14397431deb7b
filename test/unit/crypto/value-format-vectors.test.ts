import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { keyIdOf } from '../../../src/crypto/field-value.js'
import { keyFingerprint } from '../../../src/crypto/static-keys.js'
import { buildValueFormatVectors, VECTORS_FILE } from '../../vectors/generate-value-format-v1.js'

// Sealing again must give the published value, so the vector's nonce is handed out next.
const pinned = vi.hoisted(() => [] as Buffer[])
vi.mock('../../../src/crypto/nonce-pool.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/crypto/nonce-pool.js')>()
  return { ...original, nextNonce: () => pinned.shift() ?? original.nextNonce() }
})

const vectors = JSON.parse(readFileSync(VECTORS_FILE, 'utf8')) as ReturnType<
  typeof buildValueFormatVectors
>
const keyByName = new Map(vectors.keys.map((key) => [key.name, key.key]))
const allKeys = vectors.keys.map((key) => key.key)
const reader = createFieldseal({ keys: allKeys })
const legacyReader = createFieldseal({ keys: [keyByName.get('key-1') as string] })

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
    return undefined
  } catch (error: any) {
    return error.code ?? error.name
  }
}

describe('docs/vectors/value-format-v1.json', () => {
  it('is exactly what test/vectors/generate-value-format-v1.ts writes', () => {
    expect(vectors).toEqual(JSON.parse(JSON.stringify(buildValueFormatVectors())))
  })

  it('names each key by the id fieldseal derives for it', () => {
    for (const key of vectors.keys)
      expect(keyFingerprint(Buffer.from(key.key, 'base64'))).toBe(key.kid)
  })
})

describe('value format v1 vectors', () => {
  it.each(vectors.valid.map((vector) => [vector.description, vector] as const))(
    'opens: %s',
    (_description, vector) => {
      expect(keyIdOf(vector.encrypted)).toBe(vector.kid)
      expect(reader.decryptField(vector.encrypted, { context: vector.context })).toEqual(
        vector.value,
      )
    },
  )

  it.each(vectors.valid.map((vector) => [vector.description, vector] as const))(
    'seals again to the same value with the pinned nonce: %s',
    (_description, vector) => {
      const writer = createFieldseal({ keys: [keyByName.get(vector.key) as string] })
      pinned.push(Buffer.from(vector.nonce, 'hex'))
      const sealed = writer.encryptField(vector.value, { context: vector.context })
      pinned.length = 0
      if (vector.writtenByFieldseal) expect(sealed).toBe(vector.encrypted)
      else expect(sealed).not.toBe(vector.encrypted)
    },
  )

  it.each(vectors.invalid.map((vector) => [vector.description, vector] as const))(
    'refuses: %s',
    (_description, vector) => {
      expect(codeOf(() => reader.decryptField(vector.encrypted, { context: vector.context }))).toBe(
        vector.error,
      )
    },
  )
})

describe('legacy vectors', () => {
  it.each(vectors.legacy.valid.map((vector) => [vector.description, vector] as const))(
    'opens: %s',
    (_description, vector) => {
      expect(keyIdOf(vector.encrypted)).toBeUndefined()
      expect(legacyReader.decryptField(vector.encrypted)).toBe(vector.value)
    },
  )

  it.each(vectors.legacy.invalid.map((vector) => [vector.description, vector] as const))(
    'refuses: %s',
    (_description, vector) => {
      expect(codeOf(() => legacyReader.decryptField(vector.encrypted))).toBe(vector.error)
    },
  )
})

import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import type { FieldsealEvent } from '../../../src/core/events.js'
import { Batch, NOT_KNOWN, type KnownValues } from '../../../src/core/field-batch.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'

const key = AesGcmCipher.generateKey()
const at = (path: string) => ({ path: () => path })

function setup(maxFields = 1000) {
  const events: FieldsealEvent[] = []
  const sealer = createFieldseal({ keys: [key], maxFields, onEvent: (event) => events.push(event) })
  return { sealer, events, batch: new Batch(sealer.config) }
}

describe('Batch.open: the one opener of document values', () => {
  it('opens under the context, counts against maxFields, and locates the limit error [maxFields: 2]', () => {
    const { sealer, batch, events } = setup(2)
    const ssn = sealer.encryptField('078-05-1120', { context: 'ssn' }) as string
    expect(batch.open(ssn, 'ssn', at('a.ssn'))).toBe('078-05-1120')
    expect(batch.open(ssn, 'ssn', at('b.ssn'))).toBe('078-05-1120')
    expect(() => batch.open(ssn, 'ssn', at('c.ssn'))).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_TOO_MANY_FIELDS', path: 'c.ssn' }),
    )
    expect(events).toEqual([])
  })

  it('reports a failure (path, key id, code, never the value) and throws it located at its path', () => {
    const { sealer, batch, events } = setup()
    const ssn = sealer.encryptField('078-05-1120', { context: 'ssn' }) as string
    let thrown: unknown
    try {
      batch.open(ssn, 'email', at('rows[3].email'))
    } catch (error) {
      thrown = error
    }
    expect(thrown).toMatchObject({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED', path: 'rows[3].email' })
    expect(events).toEqual([
      {
        operation: 'decrypt',
        outcome: 'failure',
        path: 'rows[3].email',
        kid: sealer.keySource.encryptionKey().kid,
        code: 'ERR_FIELDSEAL_DECRYPT_FAILED',
      },
    ])
    expect(JSON.stringify(events)).not.toContain(ssn)
  })

  it('reports a legacy value it opens (legacy-format)', () => {
    const { batch, events } = setup()
    const legacy = `enc:${new AesGcmCipher(key).encrypt('078-05-1120').toString('base64')}`
    expect(batch.open(legacy, 'ssn', at('ssn'))).toBe('078-05-1120')
    expect(events).toEqual([
      expect.objectContaining({ operation: 'legacy-format', outcome: 'success', path: 'ssn' }),
    ])
  })

  it('re-seals under the active key, keeps a value already under it, reports a failure as reencrypt [reencrypt: true]', () => {
    const { sealer, batch, events } = setup()
    const current = sealer.encryptField('x', { context: 'f' }) as string
    expect(batch.open(current, 'f', at('f'), { reencrypt: true })).toBe(current)
    const stranger = createFieldseal({ keys: [AesGcmCipher.generateKey()] })
    const foreign = stranger.encryptField('y', { context: 'f' }) as string
    expect(() => batch.open(foreign, 'f', at('f'), { reencrypt: true })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_UNKNOWN_KEY', path: 'f' }),
    )
    expect(events.at(-1)).toMatchObject({ operation: 'reencrypt', outcome: 'failure' })
    const legacy = `enc:${new AesGcmCipher(key).encrypt('z').toString('base64')}`
    const moved = batch.open(legacy, 'f', at('f'), { reencrypt: true }) as string
    expect(moved).toMatch(/^enc:v1:/)
    expect(sealer.decryptField(moved, { context: 'f' })).toBe('z')
  })

  it('takes a value from known values instead of decrypting it, and decrypts what they do not know', () => {
    const { sealer, batch } = setup()
    const ssn = sealer.encryptField('078-05-1120', { context: 'ssn' }) as string
    const asked: string[] = []
    const known: KnownValues = {
      recall: (_keys, value, context) => {
        asked.push(context)
        return value === ssn && context === 'ssn' ? 'from memory' : NOT_KNOWN
      },
    }
    expect(batch.open(ssn, 'ssn', at('ssn'), { known })).toBe('from memory')
    const other = sealer.encryptField('x', { context: 'f' }) as string
    expect(batch.open(other, 'f', at('f'), { known })).toBe('x')
    expect(asked).toEqual(['ssn', 'f'])
    expect(batch.count).toBe(2)
  })
})

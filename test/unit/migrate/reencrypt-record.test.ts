import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import {
  checkBatchOptions,
  RECORD_ERROR_CODES,
  reencryptRecord,
} from '../../../src/migrate/reencrypt-record.js'

const A = AesGcmCipher.generateKey()
const B = AesGcmCipher.generateKey()
const fsA = createFieldseal({ keys: [A] })
const fsBA = createFieldseal({ keys: [B, A] })

describe('reencryptRecord', () => {
  it('returns a new record when a value moved, the same one otherwise', () => {
    const row = fsA.encryptFields({ ssn: '1' })
    const moved = reencryptRecord(fsBA, row, undefined)
    expect(moved.changed).toBe(true)
    expect(moved.record).not.toBe(row)
    const again = reencryptRecord(fsBA, moved.record, undefined)
    expect(again).toEqual({ record: moved.record, changed: false })
  })

  it('returns a data error with the original record instead of throwing', () => {
    const row = { ssn: 'enc:v1:missing:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }
    const result = reencryptRecord(fsBA, row, undefined)
    expect(result).toMatchObject({
      record: row,
      changed: false,
      error: { code: 'ERR_FIELDSEAL_UNKNOWN_KEY' },
    })
  })

  it('classifies only data problems as record errors', () => {
    expect(RECORD_ERROR_CODES.has('ERR_FIELDSEAL_DECRYPT_FAILED')).toBe(true)
    expect(RECORD_ERROR_CODES.has('ERR_FIELDSEAL_NO_KEY')).toBe(false)
    expect(RECORD_ERROR_CODES.has('ERR_FIELDSEAL_INVALID_OPTION')).toBe(false)
  })
})

describe('checkBatchOptions', () => {
  it('returns frozen field paths, or undefined without fields', () => {
    const fields = checkBatchOptions({ fields: ['ssn', { path: 'card', context: 'c' }] }, 'w')
    expect(fields).toEqual(['ssn', { path: 'card', context: 'c' }])
    expect(Object.isFrozen(fields)).toBe(true)
    expect(checkBatchOptions({}, 'w')).toBeUndefined()
  })

  it('rejects options of the wrong kind', () => {
    const invalid = expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' })
    expect(() => checkBatchOptions({ onProgress: 1 }, 'w')).toThrow(invalid)
    expect(() => checkBatchOptions({ signal: 'stop' }, 'w')).toThrow(invalid)
    expect(() => checkBatchOptions({ stopOnError: 1 }, 'w')).toThrow(invalid)
    expect(() => checkBatchOptions({ fields: 'ssn' }, 'w')).toThrow(invalid)
  })
})

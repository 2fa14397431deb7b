import { describe, expect, it } from 'vitest'
import {
  FIELDSEAL_ERROR_CODES,
  FieldsealError,
  httpStatusFor,
  isFieldsealError,
} from '../../src/errors.js'

describe('FieldsealError', () => {
  it('carries code, path, kid, status, expose and cause', () => {
    const cause = new Error('inner')
    const error = new FieldsealError('ERR_FIELDSEAL_MALFORMED', 'bad', {
      path: 'a.b',
      kid: 'k1',
      cause,
    })
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({
      name: 'FieldsealError',
      code: 'ERR_FIELDSEAL_MALFORMED',
      path: 'a.b',
      kid: 'k1',
      status: 400,
      expose: true,
    })
    expect(error.cause).toBe(cause)
    expect(isFieldsealError(error, 'ERR_FIELDSEAL_MALFORMED')).toBe(true)
    expect(isFieldsealError(error, 'ERR_FIELDSEAL_NO_KEY')).toBe(false)
  })
  it('maps request-data codes to 4xx and everything else to 5xx, never exposing 5xx', () => {
    for (const code of FIELDSEAL_ERROR_CODES) {
      const status = httpStatusFor(code)
      expect(status >= 400 && status < 600).toBe(true)
      expect(new FieldsealError(code, 'x').expose).toBe(status < 500)
    }
    expect(httpStatusFor('ERR_FIELDSEAL_DECRYPT_FAILED')).toBe(400)
    expect(httpStatusFor('ERR_FIELDSEAL_NO_KEY')).toBe(500)
  })
})

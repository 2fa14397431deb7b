import { describe, expect, it } from 'vitest'
import { FIELDSEAL_ERROR_CODES, FieldsealError } from '../../../src/errors.js'
import {
  isRequestDataError,
  PROBLEM_CONTENT_TYPE,
  problemDetails,
} from '../../../src/http/problem.js'

describe('problemDetails', () => {
  it('builds an RFC 9457 object with code and path for a 4xx', () => {
    const error = new FieldsealError('ERR_FIELDSEAL_DECRYPT_FAILED', 'decryption failed', {
      path: 'cards[0].number',
      kid: 'k1',
    })
    expect(problemDetails(error)).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'decryption failed',
      code: 'ERR_FIELDSEAL_DECRYPT_FAILED',
      path: 'cards[0].number',
    })
    expect(PROBLEM_CONTENT_TYPE).toBe('application/problem+json')
  })

  it('hides the message of a 5xx and uses the status phrase as title', () => {
    const problem = problemDetails(
      new FieldsealError('ERR_FIELDSEAL_STORE_CORRUPT', 'file /etc/keys.json is corrupt'),
    )
    expect(problem).toMatchObject({
      status: 500,
      title: 'Internal Server Error',
      code: 'ERR_FIELDSEAL_STORE_CORRUPT',
    })
    expect(problem.detail).not.toContain('/etc/keys.json')
    expect(problem).not.toHaveProperty('path')
    expect(problemDetails(new FieldsealError('ERR_FIELDSEAL_TOO_MANY_FIELDS', 'x')).title).toBe(
      'Payload Too Large',
    )
  })

  it('tells request-data errors (4xx) from the rest', () => {
    for (const code of FIELDSEAL_ERROR_CODES) {
      const error = new FieldsealError(code, 'x')
      expect(isRequestDataError(error)).toBe(error.status < 500)
    }
    expect(isRequestDataError(new Error('x'))).toBe(false)
    expect(isRequestDataError(Object.assign(new Error('x'), { status: 400 }))).toBe(false)
  })
})

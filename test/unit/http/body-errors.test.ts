import { describe, expect, it } from 'vitest'
import { bodyParserError } from '../../../src/http/body-errors.js'

/** An error shaped as raw-body / http-errors make them. */
const typed = (type: string, status: number, extra: object = {}) =>
  Object.assign(new Error('raw message'), { type, status, expose: true, ...extra })

describe('bodyParserError', () => {
  it('maps raw-body error types to coded errors with their statuses', () => {
    const cases: Array<[string, number, string, number]> = [
      ['entity.parse.failed', 400, 'ERR_FIELDSEAL_BODY_MALFORMED', 400],
      ['request.size.invalid', 400, 'ERR_FIELDSEAL_BODY_MALFORMED', 400],
      ['request.aborted', 400, 'ERR_FIELDSEAL_BODY_MALFORMED', 400],
      ['entity.too.large', 413, 'ERR_FIELDSEAL_BODY_TOO_LARGE', 413],
      ['parameters.too.many', 413, 'ERR_FIELDSEAL_BODY_TOO_LARGE', 413],
      ['charset.unsupported', 415, 'ERR_FIELDSEAL_BODY_UNSUPPORTED', 415],
      ['encoding.unsupported', 415, 'ERR_FIELDSEAL_BODY_UNSUPPORTED', 415],
    ]
    for (const [type, status, code, answered] of cases) {
      expect(bodyParserError(typed(type, status))).toMatchObject({ code, status: answered })
    }
  })

  it("maps Fastify's content type parser errors (FST_ERR_CTP_*) by their code", () => {
    const coded = (code: string, statusCode: number) =>
      Object.assign(new Error('raw message'), { code, statusCode })
    const cases: Array<[string, number, string, number]> = [
      ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'ERR_FIELDSEAL_BODY_MALFORMED', 400],
      ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'ERR_FIELDSEAL_BODY_MALFORMED', 400],
      ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'ERR_FIELDSEAL_BODY_MALFORMED', 400],
      ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'ERR_FIELDSEAL_BODY_TOO_LARGE', 413],
      ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'ERR_FIELDSEAL_BODY_UNSUPPORTED', 415],
    ]
    for (const [code, statusCode, answer, status] of cases) {
      expect(bodyParserError(coded(code, statusCode))).toMatchObject({ code: answer, status })
    }
    for (const other of ['FST_ERR_NOT_FOUND', 'FST_ERR_CTP_ALREADY_PRESENT', 'toString']) {
      expect(bodyParserError(coded(other, 400))).toBeUndefined()
    }
  })

  it("keeps nothing of the parser's error: no body, no message, no cause", () => {
    const secret = '{"ssn":"999-00-1011",'
    const parsed = Object.assign(new SyntaxError(`Unexpected token in ${secret}`), {
      status: 400,
      body: secret,
    })
    for (const error of [parsed, typed('entity.parse.failed', 400, { body: secret })]) {
      const answer = bodyParserError(error)
      expect(answer?.code).toBe('ERR_FIELDSEAL_BODY_MALFORMED')
      expect(answer?.cause).toBeUndefined()
      expect(`${answer?.message} ${answer?.stack} ${JSON.stringify(answer)}`).not.toContain('999')
    }
  })

  it('leaves every other error alone', () => {
    for (const error of [
      new Error('boom'),
      new SyntaxError('a bug'),
      typed('entity.verify.failed', 403),
      typed('stream.not.readable', 500),
      typed('toString', 400),
      Object.assign(new SyntaxError('x'), { status: 500, body: 'x' }),
      'a string',
      null,
      undefined,
    ]) {
      expect(bodyParserError(error)).toBeUndefined()
    }
  })
})

import { describe, expect, it } from 'vitest'
import {
  assertDepth,
  assertParsed,
  hasJsonBody,
  isJsonContainer,
} from '../../../src/http/request-body.js'

const json = { 'content-type': 'application/json', 'content-length': '12' }

describe('hasJsonBody', () => {
  it('recognises JSON media types with content', () => {
    const yes = [
      json,
      { 'content-type': 'application/json; charset=utf-8', 'content-length': '2' },
      { 'content-type': 'Application/JSON', 'transfer-encoding': 'chunked' },
      { 'content-type': 'application/vnd.api+json', 'content-length': '5' },
      { 'content-type': 'application/merge-patch+json;charset=utf-8', 'content-length': '5' },
      { 'content-type': ['application/json'], 'content-length': '5' },
    ]
    const no = [
      { 'content-type': 'application/json', 'content-length': '0' },
      { 'content-type': 'application/json' },
      { 'content-type': 'text/plain', 'content-length': '5' },
      { 'content-type': 'application/jsonp', 'content-length': '5' },
      { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '5' },
      { 'content-length': '5' },
    ]
    for (const headers of yes) expect(hasJsonBody(headers), JSON.stringify(headers)).toBe(true)
    for (const headers of no) expect(hasJsonBody(headers), JSON.stringify(headers)).toBe(false)
  })
})

describe('assertParsed', () => {
  it('refuses a JSON request whose body is missing, text or bytes with ERR_FIELDSEAL_BODY_NOT_PARSED', () => {
    for (const body of [undefined, '{"ssn":"1"}', Buffer.from('{}'), new Uint8Array(2)]) {
      expect(() => assertParsed(body, json)).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_BODY_NOT_PARSED', status: 500 }),
      )
    }
  })
  it('lets parsed bodies and non-JSON requests pass', () => {
    expect(() => assertParsed({}, json)).not.toThrow()
    expect(() => assertParsed(null, json)).not.toThrow()
    expect(() =>
      assertParsed(undefined, { 'content-type': 'text/plain', 'content-length': '3' }),
    ).not.toThrow()
    expect(() =>
      assertParsed('text', { 'content-type': 'text/plain', 'content-length': '3' }),
    ).not.toThrow()
    expect(() => assertParsed(undefined, {})).not.toThrow()
  })
})

describe('assertParsed [bodyRead]', () => {
  it('takes an empty object whose request stream was never read as unparsed (Express 4, koa-bodyparser)', () => {
    for (const body of [{}, Object.create(null)]) {
      expect(() => assertParsed(body, json, false)).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_BODY_NOT_PARSED' }),
      )
    }
  })
  it('lets an empty object pass when the stream was read, or when nobody says', () => {
    expect(() => assertParsed({}, json, true)).not.toThrow()
    expect(() => assertParsed({}, json)).not.toThrow()
    expect(() => assertParsed({ a: 1 }, json, false)).not.toThrow()
    expect(() =>
      assertParsed({}, { 'content-type': 'text/plain', 'content-length': '3' }, false),
    ).not.toThrow()
  })
})

describe('isJsonContainer', () => {
  it('is true for plain objects and arrays only', () => {
    expect([{}, [], Object.create(null)].map(isJsonContainer)).toEqual([true, true, true])
    expect(
      [null, 'x', 1, new Date(), Buffer.from('x'), new (class A {})()].map(isJsonContainer),
    ).toEqual([false, false, false, false, false, false])
  })
})

describe('assertDepth', () => {
  const nest = (levels: number) => {
    let value: unknown = 'leaf'
    for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { a: value } : [value]
    return value
  }
  it('allows maxDepth levels and refuses one more with the path of the too-deep container', () => {
    expect(() => assertDepth(nest(4), 4)).not.toThrow()
    expect(() => assertDepth(nest(5), 4)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_TOO_DEEP', path: 'a[0].a[0]' }),
    )
    expect(() => assertDepth(nest(100_000), 32)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_TOO_DEEP' }),
    )
    expect(() => assertDepth('x', 1)).not.toThrow()
  })
})

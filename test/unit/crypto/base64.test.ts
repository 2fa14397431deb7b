import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBase64Strict, decodeBase64UrlStrict } from '../../../src/crypto/base64.js'

describe('decodeBase64Strict', () => {
  it('decodes canonical padded base64 of any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeBase64Strict(Buffer.from(bytes).toString('base64'))).toEqual(
          Buffer.from(bytes),
        )
      }),
    )
  })
  it.each(['YQ', 'YQ=', 'YR==', 'Y-_=', 'YQ==\n', ' YQ==', 'Y===', '====', 'YQ==YQ=='])(
    'rejects %j',
    (text) => {
      expect(decodeBase64Strict(text)).toBeUndefined()
    },
  )
})

describe('decodeBase64UrlStrict', () => {
  it('decodes canonical unpadded base64url of any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeBase64UrlStrict(Buffer.from(bytes).toString('base64url'))).toEqual(
          Buffer.from(bytes),
        )
      }),
    )
  })
  it.each(['YQ==', 'YR', 'Y', 'a+b/', 'YQ\n'])('rejects %j', (text) => {
    expect(decodeBase64UrlStrict(text)).toBeUndefined()
  })
})

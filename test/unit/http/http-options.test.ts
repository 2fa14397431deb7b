import { describe, expect, it } from 'vitest'
import { resolveErrorHandlerOptions } from '../../../src/http/error-handler-options.js'
import { resolveMaskSpec, resolveMiddlewareOptions } from '../../../src/http/http-options.js'

const invalid = (message: RegExp) =>
  expect.objectContaining({
    code: 'ERR_FIELDSEAL_INVALID_OPTION',
    message: expect.stringMatching(message),
  })

describe('resolveMiddlewareOptions', () => {
  it('treats undefined, {} and Object.create(null) alike, with the documented defaults', () => {
    const forms = [undefined, {}, Object.create(null), { decrypt: undefined, mask: undefined }]
    const resolved = forms.map((form) => resolveMiddlewareOptions(form))
    for (const config of resolved) {
      expect(config).toMatchObject({
        decrypt: 'encrypted',
        binding: undefined,
        encrypt: undefined,
        blindIndexSuffix: '_bidx',
        keyRefreshInterval: 1000,
        mask: { decrypt: undefined, reveal: [], masker: {} },
      })
    }
  })

  it('resolves decrypt, encrypt, mask, blind-index and refresh options', () => {
    const config = resolveMiddlewareOptions({
      decrypt: ['card', { path: 'ssn', context: 'customer-ssn' }],
      encrypt: [{ path: 'ssn', blindIndex: true }],
      mask: { decrypt: true, reveal: ['ssn', 'ssn'], rules: { card: 'card' } },
      blindIndexSuffix: 'Hash',
      keyRefreshInterval: 0,
    })
    expect(config.decrypt).toEqual([
      { path: 'card', context: undefined, blindIndex: false },
      { path: 'ssn', context: 'customer-ssn', blindIndex: false },
    ])
    expect(config.encrypt).toEqual([{ path: 'ssn', context: undefined, blindIndex: true }])
    expect(config.mask).toEqual({
      decrypt: true,
      reveal: ['ssn'],
      masker: { rules: { card: 'card' } },
    })
    expect(config).toMatchObject({ blindIndexSuffix: 'Hash', keyRefreshInterval: 0 })
    expect(resolveMiddlewareOptions({ decrypt: 'all' }).decrypt).toBe('all')
    expect(resolveMiddlewareOptions({ decrypt: false }).decrypt).toBe(false)
    expect(resolveMiddlewareOptions({ mask: false }).mask).toBeUndefined()
  })

  it('rejects unknown and misspelt options with "Did you mean"', () => {
    expect(() => resolveMiddlewareOptions({ encrpyt: [] } as never)).toThrow(
      invalid(/unknown option "encrpyt". Did you mean "encrypt"\?/),
    )
    expect(() => resolveMiddlewareOptions({ mask: { censr: 'x' } } as never)).toThrow(
      invalid(/Did you mean "censor"/),
    )
    expect(() => resolveMiddlewareOptions({ zzz: 1 } as never)).toThrow(
      invalid(/unknown option "zzz"\.$/),
    )
  })

  it('rejects bad values', () => {
    const bad: Array<[unknown, RegExp | string]> = [
      [{ decrypt: 'none' }, /decrypt must be/],
      [{ decrypt: true }, /decrypt must be/],
      [{ encrypt: 'ssn' }, /fields must be an array/],
      [{ mask: 'yes' }, /mask must be/],
      [{ mask: null }, /mask must be/],
      [{ mask: { decrypt: 'yes' } }, /decrypt must be a boolean/],
      [{ mask: { reveal: 'ssn' } }, /reveal must be an array/],
      [{ mask: { reveal: [1] } }, /reveal must hold path strings/],
      [{ mask: { rules: { ssn: 'nope' } } }, /rule of "ssn"/],
      [{ blindIndexSuffix: '' }, /blindIndexSuffix/],
      [{ blindIndexSuffix: 'a.b' }, /blindIndexSuffix/],
      [{ blindIndexKey: 42 }, /blindIndexKey is an option of createFieldseal/],
      [{ env: {} }, /env is an option of createFieldseal/],
      [{ keyRefreshInterval: -1 }, /keyRefreshInterval/],
      [{ keyRefreshInterval: 1.5 }, /keyRefreshInterval/],
    ]
    for (const [options, message] of bad) {
      expect(() => resolveMiddlewareOptions(options as never), JSON.stringify(options)).toThrow(
        invalid(new RegExp(message)),
      )
    }
    expect(() => resolveMiddlewareOptions({ mask: { reveal: ['a..b'] } })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_PATH' }),
    )
    expect(() => resolveMiddlewareOptions({ mask: { reveal: ['__proto__'] } })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_PATH' }),
    )
    expect(() => resolveMiddlewareOptions('x' as never)).toThrow(TypeError)
  })
})

describe('resolveMaskSpec', () => {
  it('splits the masker options from decrypt and reveal', () => {
    const censor = () => 'x'
    expect(
      resolveMaskSpec(
        {
          paths: ['a'],
          censor,
          remove: true,
          detect: { cards: true },
          maxDepth: 4,
          decrypt: false,
        },
        'mask()',
      ),
    ).toEqual({
      decrypt: false,
      reveal: [],
      masker: { paths: ['a'], censor, remove: true, detect: { cards: true }, maxDepth: 4 },
    })
  })
})

describe('resolveErrorHandlerOptions', () => {
  it('returns the onError hook, none by default; undefined, {} and Object.create(null) alike', () => {
    const onError = () => {}
    expect(resolveErrorHandlerOptions({ onError })).toBe(onError)
    for (const empty of [undefined, {}, Object.create(null)]) {
      expect(resolveErrorHandlerOptions(empty)).toBeUndefined()
    }
  })
  it('refuses a misspelt option and a hook that is not a function', () => {
    expect(() => resolveErrorHandlerOptions({ onerror: () => {} } as never)).toThrow(
      invalid(/Did you mean "onError"/),
    )
    expect(() => resolveErrorHandlerOptions({ onError: 'log' } as never)).toThrow(
      invalid(/onError must be a function/),
    )
  })
})

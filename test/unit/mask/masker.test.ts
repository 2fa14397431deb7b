import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { maskDict } from '../../../src/mask/reference.js'
import { REFERENCE_MASK_RULES } from '../../../src/mask/rules.js'
import { createMasker, maskDocument, type MaskOptions } from '../../../src/mask/masker.js'

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
    Object.freeze(value)
  }
  return value
}

const customer = () =>
  deepFreeze({
    name: 'Ann Lee',
    ssn: '123-45-6789',
    email: 'ann.lee@example.com',
    phone: '+1 (555) 123-4567',
    card: '4111 1111 1111 1111',
    password: 'hunter2',
    address: { city: 'Springfield', zip: '12345' },
    orders: [
      { id: 1, card: '5555555555554444' },
      { id: 2, card: '378282246310005' },
    ],
  })

describe('createMasker rules', () => {
  it('applies each named rule', () => {
    const mask = createMasker({
      rules: {
        ssn: 'ssn',
        email: 'email',
        phone: 'phone',
        card: 'card',
        'address.zip': 'last4',
        password: 'full',
      },
    })
    expect(mask(customer())).toEqual({
      ...customer(),
      ssn: '*******6789',
      email: 'a*****e@example.com',
      phone: '*******4567',
      card: '***************1111',
      address: { city: 'Springfield', zip: '*2345' },
      password: '*******',
      // A bare field name is that field at any depth.
      orders: [
        { id: 1, card: '************4444' },
        { id: 2, card: '***********0005' },
      ],
    })
  })

  it('masks a top-level field only with a quoted key [rules: { \'["card"]\': … }]', () => {
    const out = createMasker({ rules: { '["card"]': 'card' } })(customer())
    expect(out.card).toBe('***************1111')
    expect(out.orders[0]?.card).toBe('5555555555554444')
  })

  it('reaches array elements and any depth with wildcards', () => {
    const mask = createMasker({ rules: { 'orders[*].card': 'card', '**.city': 'full' } })
    const out = mask(customer())
    expect(out.orders.map((o) => o.card)).toEqual(['************4444', '***********0005'])
    expect(out.address.city).toBe('***********')
    expect(createMasker({ rules: { 'orders[1].card': 'card' } })(customer()).orders[0]?.card).toBe(
      '5555555555554444',
    )
  })

  it('masks numbers and booleans as their text, and lets empty values pass', () => {
    const mask = createMasker({ rules: { '*': 'last4' } })
    expect(mask({ a: 123456789, b: true, c: '', d: null, e: undefined, f: 0 })).toEqual({
      a: '*****6789',
      b: '****',
      c: '',
      d: null,
      e: undefined,
      f: '*',
    })
  })

  it('replaces an object or array at a rule path by the censor, never by a masked text', () => {
    const mask = createMasker({ rules: { ssn: 'ssn', card: 'card', when: 'full' } })
    expect(
      mask({ ssn: { a: '123456789' }, card: ['4111111111111111'], when: new Map([['a', 1]]) }),
    ).toEqual({
      ssn: '[REDACTED]',
      card: '[REDACTED]',
      when: '[REDACTED]',
    })
  })

  it('masks a value as JSON.stringify sends it (a Date as its ISO text)', () => {
    const mask = createMasker({ rules: { when: 'last4' } })
    expect(mask({ when: new Date(0) })).toEqual({ when: '********************000Z' })
  })

  it('replaces an object at a rule path by the censor function [censor: fn]', () => {
    const mask = createMasker({ rules: { 'a.ssn': 'ssn' }, censor: (_, path) => `<${path}>` })
    expect(mask({ a: { ssn: { x: 1 } } })).toEqual({ a: { ssn: '<a.ssn>' } })
  })

  it('calls a function rule with the value and its printable path', () => {
    const calls: Array<[unknown, string]> = []
    const mask = createMasker({
      rules: {
        'orders[*].id': (value, path) => {
          calls.push([value, path])
          return `#${String(value)}`
        },
      },
    })
    expect(mask(customer()).orders.map((o) => o.id)).toEqual(['#1', '#2'])
    expect(calls).toEqual([
      [1, 'orders[0].id'],
      [2, 'orders[1].id'],
    ])
  })

  it('does not call a function rule for empty values, and censors objects before it', () => {
    let called = 0
    const rule = () => ++called
    const out = createMasker({ rules: { '*': rule } })({ a: '', b: null, c: { x: 1 } })
    expect(out).toEqual({ a: '', b: null, c: '[REDACTED]' })
    expect(called).toBe(0)
  })

  it('prints quoted keys in paths given to functions', () => {
    const seen: string[] = []
    createMasker({ rules: { '**.ssn': (_, path) => seen.push(path) } })({
      'odd key': [{ ssn: '1' }],
    })
    expect(seen).toEqual(['["odd key"][0].ssn'])
  })
})

describe('createMasker paths', () => {
  it('censors with "[REDACTED]" by default, whatever the value', () => {
    const mask = createMasker({ paths: ['password', 'address', 'missing', 'orders[*].id'] })
    const out = mask({ ...customer(), nothing: null })
    expect(out.password).toBe('[REDACTED]')
    expect(out.address).toBe('[REDACTED]')
    expect(out.orders.map((o) => o.id)).toEqual(['[REDACTED]', '[REDACTED]'])
    expect(Object.hasOwn(out, 'missing')).toBe(false)
    expect(mask({ password: null })).toEqual({ password: '[REDACTED]' })
  })

  it('masks with censor [censor: "X"]', () => {
    expect(createMasker({ paths: ['password'], censor: 'X' })(customer()).password).toBe('X')
  })

  it('masks with a censor function [censor: fn]', () => {
    const mask = createMasker({
      paths: ['**.card'],
      censor: (value, path) => `${path}:${typeof value}`,
    })
    const out = mask(customer())
    expect(out.card).toBe('card:string')
    expect(out.orders[1]?.card).toBe('orders[1].card:string')
  })

  it('drops properties and array elements [remove: true]', () => {
    const mask = createMasker({ paths: ['password', 'orders[0]', 'address.zip'], remove: true })
    const out = mask(customer())
    expect(Object.hasOwn(out, 'password')).toBe(false)
    expect(out.orders).toEqual([{ id: 2, card: '378282246310005' }])
    expect(out.address).toEqual({ city: 'Springfield' })
  })

  it('keeps rules when removing paths [remove: true]', () => {
    const out = createMasker({ paths: ['password'], rules: { ssn: 'ssn' }, remove: true })(
      customer(),
    )
    expect(out.ssn).toBe('*******6789')
    expect('password' in out).toBe(false)
  })
})

describe('createMasker precedence', () => {
  it('applies rules before paths when both list a path', () => {
    const out = createMasker({ paths: ['ssn'], rules: { ssn: 'ssn' } })(customer())
    expect(out.ssn).toBe('*******6789')
  })

  it('applies the first listed of two paths that match one value', () => {
    const mask = createMasker({ rules: { '**.card': 'full', 'orders[*].card': 'card' } })
    expect(mask(customer()).orders[0]?.card).toBe('****************')
  })

  it('applies configured paths before detection [detect: true]', () => {
    const mask = createMasker({ rules: { '["card"]': 'full' }, paths: ['ssn'], detect: true })
    const out = mask(customer())
    expect(out.card).toBe('*******************')
    expect(out.ssn).toBe('[REDACTED]')
    expect(out.orders[0]?.card).toBe('************4444')
  })
})

describe('createMasker detection', () => {
  const doc = () =>
    deepFreeze({
      note: '4111-1111-1111-1111',
      notLuhn: '4111111111111112',
      nested: [{ anything: '123-45-6789' }, { other: '078051120' }],
      numeric: 4111111111111111,
      invalidSsn: '666-12-3456',
    })

  it('masks cards and SSNs anywhere [detect: true]', () => {
    expect(createMasker({ detect: true })(doc())).toEqual({
      note: '***************1111',
      notLuhn: '4111111111111112',
      nested: [{ anything: '*******6789' }, { other: '*****1120' }],
      numeric: 4111111111111111,
      invalidSsn: '666-12-3456',
    })
  })

  it('masks only cards [detect: { cards: true }]', () => {
    const out = createMasker({ detect: { cards: true } })(doc())
    expect(out.note).toBe('***************1111')
    expect(out.nested[0]).toEqual({ anything: '123-45-6789' })
  })

  it('masks only SSNs [detect: { ssn: true }]', () => {
    const out = createMasker({ detect: { ssn: true } })(doc())
    expect(out.note).toBe('4111-1111-1111-1111')
    expect(out.nested[0]).toEqual({ anything: '*******6789' })
  })

  it('detects nothing by default and [detect: false] and [detect: {}]', () => {
    for (const options of [{}, { detect: false }, { detect: {} }] as MaskOptions[]) {
      const input = doc()
      expect(createMasker(options)(input)).toBe(input)
    }
  })

  it('masks a top-level string [detect: true]', () => {
    expect(createMasker({ detect: true })('378282246310005')).toBe('***********0005')
    expect(createMasker({ detect: true })('hello')).toBe('hello')
  })
})

describe('createMasker options', () => {
  it('treats undefined, {} and Object.create(null) alike', () => {
    const input = customer()
    for (const options of [undefined, {}, Object.create(null) as MaskOptions]) {
      const mask = createMasker(options)
      expect(mask(input)).toBe(input)
      expect(mask.name).toBe('maskDocument')
    }
  })

  it('treats undefined option values as not given', () => {
    const a = createMasker({ paths: ['ssn'], censor: undefined, remove: undefined })(customer())
    expect(a.ssn).toBe('[REDACTED]')
  })

  it.each([
    [{ path: ['ssn'] }, /Did you mean "paths"/],
    [{ censer: 'x' }, /Did you mean "censor"/],
    [{ rule: {} }, /Did you mean "rules"/],
    [{ maxdepth: 3 }, /Did you mean "maxDepth"/],
    [{ detect: { card: true } }, /Did you mean "cards"/],
  ])('rejects the unknown option %j', (options, message) => {
    expect(() => createMasker(options as MaskOptions)).toThrow(message)
    expect(() => createMasker(options as MaskOptions)).toThrowError(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
  })

  it.each([
    ['paths', { paths: 'ssn' }],
    ['paths', { paths: [1] }],
    ['rules', { rules: ['ssn'] }],
    ['rules', { rules: null }],
    ['rules', { rules: new Map([['ssn', 'ssn']]) }],
    ['rules', { rules: { ssn: 'snn' } }],
    ['rules', { rules: { ssn: undefined } }],
    ['censor', { censor: null }],
    ['censor', { censor: 42 }],
    ['remove', { remove: 'yes' }],
    ['detect', { detect: 'cards' }],
    ['detect', { detect: { cards: 1 } }],
    ['maxDepth', { maxDepth: 0 }],
    ['maxDepth', { maxDepth: 1.5 }],
  ])('rejects a bad %s: %j', (_, options) => {
    expect(() => createMasker(options as unknown as MaskOptions)).toThrowError(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
  })

  it.each(['', 'a..b', 'a.__proto__', 'constructor', '**.prototype.x', 'a[', '**'])(
    'rejects the path %j in paths and in rules',
    (path) => {
      const code = { code: 'ERR_FIELDSEAL_INVALID_PATH' }
      expect(() => createMasker({ paths: [path] })).toThrowError(expect.objectContaining(code))
      expect(() => createMasker({ rules: { [path]: 'full' } })).toThrowError(
        expect.objectContaining(code),
      )
    },
  )

  it('rejects a non-object options argument with a TypeError', () => {
    expect(() => createMasker('ssn' as unknown as MaskOptions)).toThrow(TypeError)
  })

  it('refuses data deeper than maxDepth [maxDepth: 2]', () => {
    const mask = createMasker({ rules: { '**.ssn': 'ssn' }, maxDepth: 2 })
    expect(mask({ a: { ssn: '123456789' } })).toEqual({ a: { ssn: '*****6789' } })
    expect(() => mask({ a: { b: { ssn: '123456789' } } })).toThrowError(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_TOO_DEEP' }),
    )
  })

  it('refuses data deeper than 32 levels by default', () => {
    let deep: unknown = { ssn: '123456789' }
    for (let i = 0; i < 40; i++) deep = { a: deep }
    expect(() => createMasker({ rules: { '**.ssn': 'ssn' } })(deep)).toThrowError(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_TOO_DEEP' }),
    )
  })
})

describe('createMasker safety', () => {
  it('never mutates the input and copies only the changed branch', () => {
    const input = customer()
    const out = createMasker({ rules: { 'orders[0].card': 'card' } })(input)
    expect(input.orders[0]?.card).toBe('5555555555554444')
    expect(out).not.toBe(input)
    expect(out.orders).not.toBe(input.orders)
    expect(out.orders[1]).toBe(input.orders[1])
    expect(out.address).toBe(input.address)
  })

  it('returns the input itself when nothing is masked', () => {
    const input = customer()
    expect(createMasker({ rules: { nothing: 'full' } })(input)).toBe(input)
    expect(createMasker({ rules: { '**.email': 'email' } })(42)).toBe(42)
    expect(createMasker({ rules: { '**.email': 'email' } })(null)).toBe(null)
  })

  it.each(['*.ssn', '**.ssn', '*.*', '**.*', '[*].ssn'])(
    'keeps "__proto__" a data key and never reaches a prototype [%s]',
    (path) => {
      const input = JSON.parse('{"__proto__":{"ssn":"1"},"x":{"ssn":"123456789"}}') as object
      const out = createMasker({ rules: { [path]: 'full' } })(input) as Record<string, unknown>
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
      expect(Object.hasOwn(out, '__proto__')).toBe(true)
      expect(({} as Record<string, unknown>).ssn).toBeUndefined()
      expect(Object.prototype).not.toHaveProperty('ssn')
      // biome-ignore lint/suspicious/noProto: the own property named __proto__ that the test planted
      expect((input as { __proto__: { ssn: string } }).__proto__.ssn).toBe('1')
    },
  )

  it('masks inside an own "__proto__" key without polluting [paths: ["**.ssn"]]', () => {
    const input = JSON.parse('{"__proto__":{"ssn":"123456789"}}') as object
    const out = createMasker({ paths: ['**.ssn'] })(input)
    expect(JSON.stringify(out)).toBe('{"__proto__":{"ssn":"[REDACTED]"}}')
    expect(Object.prototype).not.toHaveProperty('ssn')
  })

  it('keeps prototype-less objects prototype-less', () => {
    const input = Object.assign(Object.create(null) as object, { ssn: '123456789' })
    const out = createMasker({ rules: { ssn: 'ssn' } })(input)
    expect(Object.getPrototypeOf(out)).toBeNull()
    expect(out).toEqual({ ssn: '*****6789' })
  })

  it('never mutates any JSON input', () => {
    const mask = createMasker({
      rules: { '**.ssn': 'ssn', '**.email': 'email', 'a[*]': 'last4' },
      paths: ['**.password'],
      detect: true,
    })
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const before = JSON.stringify(value)
        mask(deepFreeze(value))
        expect(JSON.stringify(value)).toBe(before)
      }),
    )
  })
})

describe('maskDocument', () => {
  it('masks once with the given options', () => {
    expect(maskDocument({ card: '4111111111111111' }, { rules: { card: 'card' } })).toEqual({
      card: '************1111',
    })
  })

  it('validates its options like createMasker', () => {
    expect(() => maskDocument({}, { paths: ['a.__proto__'] })).toThrowError(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_PATH' }),
    )
  })
})

describe('reference rules through the masker', () => {
  const vectors = JSON.parse(
    readFileSync(new URL('../../fixtures/masking.json', import.meta.url), 'utf8'),
  ) as { cases: Array<{ fn: string; args: [Record<string, unknown>, unknown]; expected: unknown }> }
  const mask = createMasker({ rules: REFERENCE_MASK_RULES })
  const cases = vectors.cases.filter((c) => c.fn === 'maskDict' && c.args[1] === null)

  it.each(cases.map((c) => [JSON.stringify(c.args[0]), c] as const))(
    'matches maskDict for %s',
    (_, c) => {
      expect(mask(c.args[0])).toStrictEqual(c.expected)
      expect(maskDict(c.args[0])).toStrictEqual(c.expected)
    },
  )
})

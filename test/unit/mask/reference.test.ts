import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_CENSOR,
  maskDict,
  maskEmail,
  maskField,
  maskPhone,
} from '../../../src/mask/reference.js'

interface Case {
  readonly fn: 'maskField' | 'maskPhone' | 'maskEmail' | 'maskDict'
  readonly args: readonly unknown[]
  readonly expected: unknown
}

const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/masking.json', import.meta.url), 'utf8'),
) as { cases: Case[] }

const functions = { maskField, maskPhone, maskEmail, maskDict } as Record<
  Case['fn'],
  (...args: unknown[]) => unknown
>

const codePoints = (text: string) => Array.from(text).length

describe('reference vectors (test/fixtures/masking.json)', () => {
  for (const fn of ['maskField', 'maskPhone', 'maskEmail', 'maskDict'] as const) {
    const cases = vectors.cases.filter((c) => c.fn === fn)
    it(`has cases for ${fn}`, () => {
      expect(cases.length).toBeGreaterThan(10)
    })
    it.each(cases.map((c) => [JSON.stringify(c.args), c] as const))(`${fn}(%s)`, (_, c) => {
      const result = functions[fn](...c.args)
      expect(result).toStrictEqual(c.expected)
      // Same keys in the same order: the serialised form is what an API returns.
      expect(JSON.stringify(result)).toBe(JSON.stringify(c.expected))
    })
  }
})

describe('maskField', () => {
  it('shows the last 4 with "*" by default', () => {
    expect(maskField('4111111111111111')).toBe('************1111')
  })

  it('masks a value no longer than visible whole', () => {
    expect(maskField('1234')).toBe('****')
    expect(maskField('123', 4)).toBe('***')
  })

  it('masks everything with visible 0 (the reference revealed all)', () => {
    expect(maskField('secret', 0)).toBe('******')
  })

  it('counts code points and never splits a surrogate pair', () => {
    expect(maskField('a😀b😀', 2)).toBe('**b😀')
    expect(maskField('😀😀😀', 1, '#')).toBe('##😀')
    expect(maskField('abc', 1, '😀')).toBe('😀😀c')
  })

  it('counts a lone surrogate as one code point', () => {
    expect(maskField('ab\ud800', 1)).toBe('**\ud800')
    expect(maskField('\udc00ab', 2)).toBe('*ab')
  })

  it.each([-1, 1.5, Number.NaN, Infinity, '4'])(
    'rejects visible %s with a TypeError',
    (visible) => {
      expect(() => maskField('1234', visible as number)).toThrow(TypeError)
    },
  )

  it.each(['', '**', 'ab', '\ud800', '\udc00', '😀😀'])(
    'rejects maskChar %j with a TypeError',
    (maskChar) => {
      expect(() => maskField('1234', 2, maskChar)).toThrow(TypeError)
    },
  )

  it('rejects a value that is not a string', () => {
    expect(() => maskField(1234 as unknown as string)).toThrow(TypeError)
  })
})

describe('maskPhone', () => {
  it('keeps the last four digits of any script', () => {
    expect(maskPhone('+1 (555) 123-4567')).toBe('*******4567')
    expect(maskPhone('٠١٢٣٤٥٦٧٨٩')).toBe('******٦٧٨٩')
    expect(maskPhone('phone ०१२३४५')).toBe('**२३४५')
  })

  it('drops non-digits, including astral ones, and returns "" without digits', () => {
    expect(maskPhone('😀12😀34😀5')).toBe('*2345')
    expect(maskPhone('phone: n/a')).toBe('')
    expect(maskPhone('')).toBe('')
  })

  it('rejects a value that is not a string', () => {
    expect(() => maskPhone(5551234 as unknown as string)).toThrow(TypeError)
  })
})

describe('maskEmail', () => {
  it('keeps the first and last character of the local part', () => {
    expect(maskEmail('john.doe@example.com')).toBe('j******e@example.com')
    expect(maskEmail('😀bc😀@x.io')).toBe('😀**😀@x.io')
  })

  it('masks a local part of one or two characters whole', () => {
    expect(maskEmail('a@b.c')).toBe('*@b.c')
    expect(maskEmail('😀😀@b.c')).toBe('**@b.c')
  })

  it('splits at the first "@" and leaves values without a local part alone', () => {
    expect(maskEmail('x@y@z.com')).toBe('*@y@z.com')
    expect(maskEmail('@domain.com')).toBe('@domain.com')
    expect(maskEmail('no-at-sign')).toBe('no-at-sign')
  })

  it('rejects a value that is not a string', () => {
    expect(() => maskEmail(null as unknown as string)).toThrow(TypeError)
  })
})

describe('maskDict', () => {
  it('masks every rule field by default and leaves others', () => {
    expect(maskDict({ ssn: '123-45-6789', email: 'ann@x.io', name: 'Ann' })).toEqual({
      ssn: '*******6789',
      email: 'a*n@x.io',
      name: 'Ann',
    })
  })

  it('masks a listed field without a rule with last-4, and skips absent fields', () => {
    expect(maskDict({ name: 'Annabel' }, ['name', 'missing'])).toEqual({ name: '***abel' })
  })

  it('masks 0 and booleans as text, and censors objects and arrays whole', () => {
    expect(maskDict({ ssn: 0, tax_id: true, email: { a: 1 }, routing_number: [1, 2] })).toEqual({
      ssn: '*',
      tax_id: '****',
      email: DEFAULT_CENSOR,
      routing_number: DEFAULT_CENSOR,
    })
  })

  it('masks a field listed twice once', () => {
    expect(maskDict({ phone_number: '555-123-4567' }, ['phone_number', 'phone_number'])).toEqual({
      phone_number: '******4567',
    })
  })

  it('returns a new object and leaves the input untouched', () => {
    const input = Object.freeze({ ssn: '123456789', other: Object.freeze({ a: 1 }) })
    const output = maskDict(input)
    expect(output).not.toBe(input)
    expect(input.ssn).toBe('123456789')
    expect(output.other).toBe(input.other)
  })

  it('keeps an own "__proto__" field as data and never touches a prototype', () => {
    const input = JSON.parse('{"__proto__":{"ssn":"1"},"ssn":"123456789"}') as object
    const output = maskDict(input, ['__proto__', 'ssn']) as Record<string, unknown>
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(output, '__proto__')?.value).toBe(DEFAULT_CENSOR)
    expect(output.ssn).toBe('*****6789')
    expect(({} as Record<string, unknown>).ssn).toBeUndefined()
  })

  it('keeps a prototype-less object prototype-less', () => {
    const input = Object.assign(Object.create(null), { ssn: '123456789' }) as object
    expect(Object.getPrototypeOf(maskDict(input))).toBeNull()
  })

  it.each([null, 'text', ['ssn']])('rejects obj %j with a TypeError', (obj) => {
    expect(() => maskDict(obj as object)).toThrow(TypeError)
  })

  it('rejects fields that are not an array of strings', () => {
    expect(() => maskDict({}, 'ssn' as unknown as string[])).toThrow(TypeError)
    expect(() => maskDict({}, [1] as unknown as string[])).toThrow(TypeError)
  })
})

describe('maskField properties', () => {
  const maskChars = fc.constantFrom('*', '#', '•', '😀')
  const visibles = fc.integer({ min: 0, max: 30 })
  const values = fc.string({ unit: 'binary', maxLength: 40 })

  it('keeps the code-point length', () => {
    fc.assert(
      fc.property(values, visibles, maskChars, (value, visible, maskChar) => {
        expect(codePoints(maskField(value, visible, maskChar))).toBe(codePoints(value))
      }),
    )
  })

  it('reveals at most `visible` trailing code points, and only when the value is longer', () => {
    fc.assert(
      fc.property(values, visibles, maskChars, (value, visible, maskChar) => {
        const input = Array.from(value)
        const output = Array.from(maskField(value, visible, maskChar))
        const shown = input.length > visible ? visible : 0
        const masked = output.length - shown
        expect(output.slice(0, masked).every((c) => c === maskChar)).toBe(true)
        expect(output.slice(masked)).toEqual(input.slice(masked))
      }),
    )
  })

  it('maskPhone equals maskField of the Unicode decimal digits, last 4', () => {
    const phones = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'0123456789 +-()x.٣٤', '😀'), maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
    )
    fc.assert(
      fc.property(phones, (phone) => {
        const digits = Array.from(phone.matchAll(/\p{Nd}/gu), (m) => m[0]).join('')
        expect(maskPhone(phone)).toBe(maskField(digits, 4))
      }),
    )
  })

  it('never mutates the input of maskDict', () => {
    const records = fc.dictionary(
      fc.constantFrom('ssn', 'email', 'phone_number', 'name', 'tax_id'),
      fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    )
    fc.assert(
      fc.property(records, (record) => {
        const before = JSON.stringify(record)
        maskDict(Object.freeze(record)) // a write to a frozen object throws in module code
        expect(JSON.stringify(record)).toBe(before)
      }),
    )
  })
})

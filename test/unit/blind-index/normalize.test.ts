import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_MAX_INDEXED_LENGTH,
  normalizeForBlindIndex,
} from '../../../src/blind-index/normalize.js'

/**
 * The 0.1.0 normalisation, regular expressions and all: indexes already stored were computed
 * with it, so the linear rewrite must give the same text for every value it accepts. Only fed
 * short inputs here (its numeric test backtracks quadratically).
 */
function normalizeV010(text: string): string | undefined {
  const normalised = text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase()
  if (normalised === '') return undefined
  return /^[\d\s()+/-]*\d[\d\s()+/-]*$/.test(normalised)
    ? normalised.replace(/[\s()+/-]/g, '')
    : normalised
}

/** Inputs that made the 0.1.0 patterns backtrack, `n` code units long or about. */
function attacks(n: number): string[] {
  return [
    `${'1'.repeat(n)}a`, // the reported one: digits, then one letter
    `${'1 '.repeat(n / 2)}a`,
    `${'(-'.repeat(n / 2)}1x`,
    `${' '.repeat(n)}a`,
    `${'\u3000'.repeat(n)}1x`, // ideographic space: NFKC makes it U+0020
    `${'1\t'.repeat(n / 2)}\u00a0`,
  ]
}

/** Counts what a call does: code units read through charCodeAt, and regular expressions run. */
function countSteps(run: () => void): { reads: number; regexRuns: number } {
  const charCodeAt = String.prototype.charCodeAt
  const exec = RegExp.prototype.exec
  let reads = 0
  let regexRuns = 0
  String.prototype.charCodeAt = function (this: string, index: number) {
    reads++
    return charCodeAt.call(this, index)
  }
  // test, replace, match and split all go through exec once it is replaced (ECMA-262 RegExpExec).
  RegExp.prototype.exec = function (this: RegExp, text: string) {
    regexRuns++
    return exec.call(this, text)
  }
  try {
    run()
  } finally {
    String.prototype.charCodeAt = charCodeAt
    RegExp.prototype.exec = exec
  }
  return { reads, regexRuns }
}

describe('normalizeForBlindIndex: linear work', () => {
  it('runs no regular expression and reads each code unit at most 3 times [count steps]', () => {
    for (const n of [1_000, 10_000, 100_000]) {
      for (const text of attacks(n)) {
        const steps = countSteps(() => void normalizeForBlindIndex(text, 'f', Infinity))
        // Without a regular expression the only work besides these reads is NFKC, trim-free
        // slicing and lower-casing: built-ins linear in the length.
        expect(steps.regexRuns, `${JSON.stringify(text.slice(0, 6))}… (${n})`).toBe(0)
        expect(steps.reads).toBeLessThanOrEqual(3 * text.length)
      }
    }
  })

  it('indexes the reported attack (100 kB of digits and a letter) when the cap allows it', () => {
    const text = `${'1'.repeat(100_000)}a`
    expect(normalizeForBlindIndex(text, 'f', 200_000)).toBe(text)
  })
})

describe('normalizeForBlindIndex: same text as 0.1.0', () => {
  it('for every single code unit between two letters and between two digits (all 65,536)', () => {
    const differences: string[] = []
    for (let unit = 0; unit <= 0xffff; unit++) {
      if (unit >= 0xd800 && unit <= 0xdfff) continue // lone surrogates are refused now
      const char = String.fromCharCode(unit)
      for (const text of [`a${char}b`, `1${char}2`, `${char}`, ` ${char}1 `]) {
        if (normalizeForBlindIndex(text) !== normalizeV010(text))
          differences.push(JSON.stringify(text))
      }
    }
    expect(differences).toEqual([])
  })

  it('for generated identifiers, e-mails and text mixing white space, separators and digits', () => {
    const pieces = fc.constantFrom(
      ...'0123456789 -()+/.\t\n\r\u00a0\u2003\u3000\uff11\uff0d\uff08aZé@İß'.split(''),
    )
    const mixed = fc.array(pieces, { maxLength: 40 }).map((parts) => parts.join(''))
    fc.assert(
      fc.property(fc.oneof(mixed, fc.string({ unit: 'grapheme', maxLength: 40 })), (text) => {
        expect(normalizeForBlindIndex(text)).toBe(normalizeV010(text))
      }),
      { numRuns: 3000 },
    )
  })
})

describe('normalizeForBlindIndex: refusals', () => {
  it(`refuses text longer than the cap (default ${DEFAULT_MAX_INDEXED_LENGTH}) with ERR_FIELDSEAL_VALUE_TOO_LONG, naming the path`, () => {
    const atCap = '1'.repeat(DEFAULT_MAX_INDEXED_LENGTH)
    expect(normalizeForBlindIndex(atCap)).toBe(atCap)
    expect(() => normalizeForBlindIndex(`${atCap}1`, 'ssn')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_VALUE_TOO_LONG', path: 'ssn', status: 413 }),
    )
    expect(() => normalizeForBlindIndex('12345', 'ssn', 4)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_VALUE_TOO_LONG' }),
    )
  })

  it('refuses a cap that is not a number, such as NaN, which would lift it', () => {
    for (const cap of [Number.NaN, -1, '10']) {
      expect(() => normalizeForBlindIndex('x', 'f', cap as number)).toThrow(TypeError)
    }
    expect(normalizeForBlindIndex('x', 'f', undefined)).toBe('x') // the default
  })

  it('refuses text with a lone surrogate: "\\uD800" and "\\uFFFD" must not share an index', () => {
    for (const text of ['\ud800', 'ann\udfff@example.com', 'x\ud83d', '\udc00\ud800']) {
      expect(() => normalizeForBlindIndex(text, 'email')).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_UNSUPPORTED_VALUE', path: 'email' }),
      )
    }
    expect(normalizeForBlindIndex('ann\ufffd@example.com')).toBe('ann\ufffd@example.com')
    expect(normalizeForBlindIndex('\ud83d\ude00')).toBe('\ud83d\ude00') // a pair is fine
  })

  it('never puts the value into the message', () => {
    const secret = '078-05-1120'.repeat(500)
    try {
      normalizeForBlindIndex(secret, 'ssn')
      expect.unreachable()
    } catch (error: any) {
      expect(error.message).not.toContain('078-05-1120')
    }
  })
})

import { describe, expect, it } from 'vitest'
import { closest } from '../../../src/util/did-you-mean.js'

describe('closest', () => {
  it('finds typos and prefixes, ignoring case', () => {
    expect(closest('feilds', ['fields', 'keys'])).toBe('fields')
    expect(closest('legacyplaintext', ['legacyPlaintext'])).toBe('legacyPlaintext')
    expect(closest('rot', ['rotate', 'retire'])).toBe('rotate')
  })
  it('gives nothing for an unrelated word', () => {
    expect(closest('xyz', ['rotate'])).toBeUndefined()
    expect(closest('q', ['rotate'])).toBeUndefined()
  })
})

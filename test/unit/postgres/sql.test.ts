import { describe, expect, it } from 'vitest'
import { isPgQueryable, quoteIdentifier, quoteTableName } from '../../../src/postgres/sql.js'

const INVALID = { code: 'ERR_FIELDSEAL_INVALID_OPTION' }

describe('quoteIdentifier', () => {
  it('quotes plain identifiers, keeping their case', () => {
    expect(quoteIdentifier('customer_id', 'w')).toBe('"customer_id"')
    expect(quoteIdentifier('SSN', 'w')).toBe('"SSN"')
    expect(quoteIdentifier(`_x${'a'.repeat(61)}`, 'w')).toHaveLength(65)
  })

  it.each(['', '1abc', 'a-b', 'a b', 'a"b', 'a;drop', 'a.b', 'é', 'a'.repeat(64), 42, undefined])(
    'refuses %j',
    (name) => {
      expect(() => quoteIdentifier(name, 'w')).toThrow(expect.objectContaining(INVALID))
    },
  )
})

describe('quoteTableName', () => {
  it('quotes a table and a schema-qualified table', () => {
    expect(quoteTableName('t', 'w')).toBe('"t"')
    expect(quoteTableName('app.t', 'w')).toBe('"app"."t"')
  })

  it.each(['a.b.c', '.t', 't.', '"t"', 'a..b', 7])('refuses %j', (name) => {
    expect(() => quoteTableName(name, 'w')).toThrow(expect.objectContaining(INVALID))
  })
})

describe('isPgQueryable', () => {
  it('recognises an object with a query method', () => {
    expect(isPgQueryable({ query: async () => ({ rows: [], rowCount: 0 }) })).toBe(true)
    expect(isPgQueryable({})).toBe(false)
    expect(isPgQueryable(null)).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import {
  selectBatch,
  tableShape,
  updateRow,
  type TableShape,
} from '../../../src/migrate/table-sql.js'

const INVALID = expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' })

describe('tableShape', () => {
  it('quotes identifiers, defaults idColumn to id and drops duplicate columns', () => {
    const shape = tableShape('app.customers', undefined, ['ssn', 'card', 'ssn'], 'w')
    expect(shape).toEqual({
      table: '"app"."customers"',
      idName: 'id',
      id: '"id"',
      columns: [
        { name: 'ssn', quoted: '"ssn"', json: false },
        { name: 'card', quoted: '"card"', json: false },
      ],
      readOnly: [],
    })
  })

  it('refuses unsafe or missing identifiers', () => {
    expect(() => tableShape('t;--', 'id', ['a'], 'w')).toThrow(INVALID)
    expect(() => tableShape('t', 'id) OR (1=1', ['a'], 'w')).toThrow(INVALID)
    expect(() => tableShape('t', 'id', ['a b'], 'w')).toThrow(INVALID)
    expect(() => tableShape('t', 'id', [], 'w')).toThrow(INVALID)
    expect(() => tableShape('t', 'id', 'ssn', 'w')).toThrow(INVALID)
    expect(() => tableShape('t', 'ssn', ['ssn'], 'w')).toThrow(INVALID)
    expect(() => tableShape('t', 'id', ['ssn'], 'w', ['ssn'])).toThrow(INVALID)
    expect(() => tableShape('t', 'id', ['ssn'], 'w', ['bad name'])).toThrow(INVALID)
    expect(() => tableShape('t', 'id', ['ssn'], 'w', 'tenant')).toThrow(INVALID)
  })

  it('reads binding columns beside the re-encrypted ones, never the id twice', () => {
    const shape = tableShape('t', 'id', ['ssn'], 'w', ['tenant_id', 'id', 'tenant_id'])
    expect(shape.readOnly.map((column) => column.quoted)).toEqual(['"tenant_id"'])
    expect(selectBatch(shape, false)).toBe(
      'SELECT "id", "ssn", "tenant_id" FROM "t" ORDER BY "id" LIMIT $1',
    )
  })
})

describe('selectBatch and updateRow', () => {
  const shape: TableShape = {
    table: '"t"',
    idName: 'id',
    id: '"id"',
    columns: [
      { name: 'ssn', quoted: '"ssn"', json: false },
      { name: 'doc', quoted: '"doc"', json: true },
      { name: 'card', quoted: '"card"', json: false },
    ],
    readOnly: [],
  }

  it('reads by keyset pagination', () => {
    expect(selectBatch(shape, false)).toBe(
      'SELECT "id", "ssn", "doc", "card" FROM "t" ORDER BY "id" LIMIT $1',
    )
    expect(selectBatch(shape, true)).toBe(
      'SELECT "id", "ssn", "doc", "card" FROM "t" WHERE "id" > $2 ORDER BY "id" LIMIT $1',
    )
  })

  it('sets only changed columns, each guarded by the value read; JSON goes as text and compares as jsonb', () => {
    const before = { ssn: 'old-ssn', doc: ['old'], card: 'same' }
    const after = { ssn: 'new-ssn', doc: ['new'], card: 'same' }
    expect(updateRow(shape, 7, before, after)).toEqual({
      text:
        'UPDATE "t" SET "ssn" = $2, "doc" = $4 WHERE "id" = $1 AND "ssn" IS NOT DISTINCT FROM $3 ' +
        'AND "doc"::jsonb IS NOT DISTINCT FROM $5::jsonb',
      values: [7, 'new-ssn', 'old-ssn', '["new"]', '["old"]'],
    })
  })

  it('sends a JSON string value as JSON text', () => {
    const update = updateRow(
      shape,
      1,
      { ssn: null, doc: 'enc:a', card: null },
      { ssn: null, doc: 'enc:b', card: null },
    )
    expect(update?.values).toEqual([1, '"enc:b"', '"enc:a"'])
  })

  it('returns undefined when nothing changed', () => {
    const row = { ssn: 'a', doc: { x: 1 }, card: null }
    expect(updateRow(shape, 1, row, { ...row })).toBeUndefined()
  })
})

/**
 * The SQL of the table re-encryptor: the keyset-paginated read and the guarded per-row update,
 * built from identifiers validated and quoted once, and from the columns' types looked up in
 * the catalog (JSON columns are compared as `jsonb`, because `json` has no equality and `pg`
 * would send a JavaScript array as a SQL array).
 *
 * @module
 */
import { invalidOption } from '../util/option-checks.js'
import { quoteIdentifier, quoteTableName, type PgQueryable } from '../postgres/sql.js'

/** A column to re-encrypt. */
export interface TableColumn {
  readonly name: string
  readonly quoted: string
  /** `json` or `jsonb`: values travel as JSON text and are compared as `jsonb`. */
  readonly json: boolean
}

/** The validated, quoted shape of a table job. */
export interface TableShape {
  readonly table: string
  readonly idName: string
  readonly id: string
  readonly columns: readonly TableColumn[]
  /** Columns only read (for a record binding), never written. */
  readonly readOnly: readonly TableColumn[]
}

/**
 * Validates and quotes the identifiers of a job; column types are filled in by {@link describeTable}.
 *
 * @example
 * ```ts
 * tableShape('app.customers', 'id', ['ssn'], 'reencryptTable').table // '"app"."customers"'
 * ```
 */
export function tableShape(
  table: unknown,
  idColumn: unknown,
  columns: unknown,
  where: string,
  readOnly: unknown = [],
): TableShape {
  const quotedTable = quoteTableName(table, `${where} table`)
  const idName = (idColumn ?? 'id') as string
  const id = quoteIdentifier(idName, `${where} idColumn`)
  if (!Array.isArray(columns) || columns.length === 0) {
    throw invalidOption(where, 'columns must be a non-empty array of column names')
  }
  const names = [...new Set(columns as unknown[])] as string[]
  if (names.includes(idName)) throw invalidOption(where, 'idColumn cannot be re-encrypted')
  if (!Array.isArray(readOnly)) throw invalidOption(where, 'bindingColumns must be an array')
  const read = [...new Set(readOnly as unknown[])].filter((name) => name !== idName) as string[]
  if (read.some((name) => names.includes(name))) {
    throw invalidOption(where, 'a column cannot be both re-encrypted and a binding column')
  }
  const column = (name: string, label: string) => ({
    name,
    quoted: quoteIdentifier(name, `${where} ${label}`),
    json: false,
  })
  return {
    table: quotedTable,
    idName,
    id,
    columns: names.map((name) => column(name, 'columns')),
    readOnly: read.map((name) => column(name, 'bindingColumns')),
  }
}

/**
 * Checks that the table and every column exist and notes which columns hold JSON. Refuses a
 * missing table or column with `ERR_FIELDSEAL_INVALID_OPTION` before any row is read.
 *
 * @example
 * ```ts
 * const shape = await describeTable(connection, tableShape('t', 'id', ['doc'], 'w'), 'w')
 * shape.columns[0].json // true for a jsonb column
 * ```
 */
export async function describeTable(
  client: PgQueryable,
  shape: TableShape,
  where: string,
): Promise<TableShape> {
  const { rows } = await client.query(
    `SELECT a.attname AS name, t.typname AS type
     FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
    [shape.table],
  )
  const types = new Map(
    (rows as Array<{ name: string; type: string }>).map((r) => [r.name, r.type]),
  )
  if (types.size === 0) throw invalidOption(where, 'table not found')
  for (const name of [shape.idName, ...[...shape.columns, ...shape.readOnly].map((c) => c.name)]) {
    if (!types.has(name)) throw invalidOption(where, `column "${name}" not found`)
  }
  return {
    ...shape,
    columns: shape.columns.map((c) => ({
      ...c,
      json: types.get(c.name) === 'json' || types.get(c.name) === 'jsonb',
    })),
  }
}

/**
 * `SELECT id, columns…, binding columns… FROM table [WHERE id > $2] ORDER BY id LIMIT $1`.
 *
 * @example
 * ```ts
 * await connection.query(selectBatch(shape, true), [500, lastId])
 * ```
 */
export function selectBatch(shape: TableShape, after: boolean): string {
  const list = [shape.id, ...[...shape.columns, ...shape.readOnly].map((c) => c.quoted)].join(', ')
  const where = after ? ` WHERE ${shape.id} > $2` : ''
  return `SELECT ${list} FROM ${shape.table}${where} ORDER BY ${shape.id} LIMIT $1`
}

function param(column: TableColumn, value: unknown): unknown {
  return column.json && value !== null && value !== undefined ? JSON.stringify(value) : value
}

/**
 * The guarded update of one row: sets the columns whose value changed, only where each still
 * holds the value read. `undefined` when nothing changed.
 *
 * @example
 * ```ts
 * const update = updateRow(shape, row.id, before, after)
 * if (update) await connection.query(update.text, update.values) // rowCount 0: changed meanwhile
 * ```
 */
export function updateRow(
  shape: TableShape,
  id: unknown,
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): { text: string; values: unknown[] } | undefined {
  const sets: string[] = []
  const guards: string[] = []
  const values: unknown[] = [id]
  for (const column of shape.columns) {
    if (after[column.name] === before[column.name]) continue
    values.push(param(column, after[column.name]), param(column, before[column.name]))
    const [next, old] = [`$${values.length - 1}`, `$${values.length}`]
    sets.push(`${column.quoted} = ${next}`)
    guards.push(
      column.json
        ? `${column.quoted}::jsonb IS NOT DISTINCT FROM ${old}::jsonb`
        : `${column.quoted} IS NOT DISTINCT FROM ${old}`,
    )
  }
  if (sets.length === 0) return undefined
  return {
    text: `UPDATE ${shape.table} SET ${sets.join(', ')} WHERE ${shape.id} = $1 AND ${guards.join(' AND ')}`,
    values,
  }
}

/**
 * Re-encryption of a PostgreSQL table in place, for a rotation on a live database.
 *
 * Rows are read in id order by keyset pagination (`WHERE id > $last ORDER BY id LIMIT n`), one
 * batch per transaction. A row is rewritten only if the columns being rewritten still hold the
 * values that were read (`col IS NOT DISTINCT FROM $old`), so a write made by the application
 * meanwhile is never clobbered: it is counted as a conflict and left alone. Progress is
 * reported after each commit with the last id, which resumes the job (`startAfterId`).
 *
 * @module
 */
import type { FieldsealError } from '../errors.js'
import { configOf, type Fieldseal } from '../core/fieldseal.js'
import {
  invalidOption,
  optionNames,
  optionsObject,
  positiveInteger,
  rejectUnknownOptions,
} from '../util/option-checks.js'
import type { FieldPaths } from '../core/options.js'
import type { PgConnection, PgPool } from '../postgres/sql.js'
import { checkBatchOptions, reencryptRecord } from './reencrypt-record.js'
import { describeTable, selectBatch, tableShape, updateRow } from './table-sql.js'

/** Progress of a table job, after each committed batch. Pass `lastId` back as `startAfterId`. */
export interface TableProgress {
  /** Rows read in this run. */
  readonly rows: number
  /** Rows rewritten with the active key. */
  readonly updated: number
  /** Rows changed by someone else between read and write, left as they were. */
  readonly conflicts: number
  /** Rows left as they were because a value could not be opened (see `onRowError`). */
  readonly failed: number
  /** Id of the last row of the last committed batch; `undefined` before the first. */
  readonly lastId: unknown
}

/** A row that could not be re-encrypted. */
export interface RowFailure {
  readonly id: unknown
  /** Code, column path and key id; never a value. */
  readonly error: FieldsealError
}

/** Options of {@link reencryptTable}. */
export interface ReencryptTableOptions {
  /** Table, optionally `schema.table`. Required. */
  readonly table: string
  /** Primary key column, used for ordering and resuming. Defaults to `'id'`. */
  readonly idColumn?: string
  /** Columns holding encrypted values (text, or json/jsonb documents with encrypted fields). Required. */
  readonly columns: readonly string[]
  /** Paths inside a row object `{ column: value }`. Defaults to every `enc:` value of `columns`. */
  readonly fields?: FieldPaths
  /**
   * The record binding of each row — what the middleware's `binding` gave when its values were
   * sealed — from the row as read (`idColumn`, `columns` and `bindingColumns`), such as
   * `(row) => 'tenant:' + row.tenant_id`. A row it does not open fails like any row that does
   * not open; a binding that is no non-empty string without U+0000 stops the job. Defaults to
   * none.
   */
  readonly binding?: (row: Readonly<Record<string, unknown>>) => string
  /** Columns read with each row for `binding`, never written. Defaults to none. */
  readonly bindingColumns?: readonly string[]
  /** Rows per batch and transaction. Defaults to `500`. */
  readonly batchSize?: number
  /** Called after each committed batch. Defaults to none. */
  readonly onProgress?: (progress: TableProgress) => void
  /** Called for each row that fails. Defaults to none (the row is still counted in `failed`). */
  readonly onRowError?: (failure: RowFailure) => void
  /** Resume after this id (a `lastId` from progress). Defaults to the start of the table. */
  readonly startAfterId?: unknown
  /** Stops the job between two batches; it rejects with `signal.reason`. */
  readonly signal?: AbortSignal
  /** Roll back the current batch and throw at the first failing row. Defaults to `false`. */
  readonly stopOnError?: boolean
}

const WHERE = 'reencryptTable'
const KNOWN = optionNames<ReencryptTableOptions>({
  table: true,
  idColumn: true,
  columns: true,
  fields: true,
  binding: true,
  bindingColumns: true,
  batchSize: true,
  onProgress: true,
  onRowError: true,
  startAfterId: true,
  signal: true,
  stopOnError: true,
})

async function acquire(client: PgPool): Promise<PgConnection> {
  if (typeof client?.connect !== 'function') {
    throw new TypeError(`${WHERE}: client must be a pool with connect() (a pg.Pool)`)
  }
  const connection = await client.connect()
  if (typeof connection?.query !== 'function' || typeof connection.release !== 'function') {
    throw new TypeError(
      `${WHERE}: client.connect() must resolve to a connection with query() and release()`,
    )
  }
  return connection
}

/**
 * Re-encrypts `columns` of every row of `table` with the active key, batch by batch. Resolves to
 * the final progress. Transactions need one connection, so `client` is a pool (`pg.Pool`) from
 * which one connection is borrowed for the job.
 *
 * @example
 * ```ts
 * const done = await reencryptTable(sealer, pool, {
 *   table: 'customers',
 *   columns: ['ssn', 'card_number'],
 *   startAfterId: await loadCheckpoint(),
 *   onProgress: ({ lastId }) => saveCheckpoint(lastId),
 * })
 * // { rows: 120000, updated: 119998, conflicts: 2, failed: 0, lastId: 120000 }
 * ```
 */
export async function reencryptTable(
  fieldseal: Fieldseal,
  client: PgPool,
  options: Readonly<ReencryptTableOptions>,
): Promise<TableProgress> {
  configOf(fieldseal, WHERE)
  const defined = optionsObject(options, WHERE)
  rejectUnknownOptions(defined, KNOWN, WHERE)
  const fields = checkBatchOptions(defined, WHERE)
  const shape = tableShape(
    defined.table,
    defined.idColumn,
    defined.columns,
    WHERE,
    defined.bindingColumns,
  )
  const binding = defined.binding as ReencryptTableOptions['binding']
  const batchSize = positiveInteger(defined.batchSize, 500, 'batchSize', WHERE)
  for (const name of ['onProgress', 'onRowError'] as const) {
    if (defined[name] !== undefined && typeof defined[name] !== 'function') {
      throw invalidOption(WHERE, `${name} must be a function`)
    }
  }
  const onProgress = defined.onProgress as ReencryptTableOptions['onProgress']
  const onRowError = defined.onRowError as ReencryptTableOptions['onRowError']
  const signal = defined.signal as AbortSignal | undefined
  const stopOnError = defined.stopOnError === true

  let lastId = defined.startAfterId
  const progress = { rows: 0, updated: 0, conflicts: 0, failed: 0 }

  signal?.throwIfAborted()
  const connection = await acquire(client)
  let broken: Error | undefined
  try {
    const table = await describeTable(connection, shape, WHERE)
    const selectFirst = selectBatch(table, false)
    const selectAfter = selectBatch(table, true)
    for (;;) {
      await connection.query('BEGIN')
      let batch: Record<string, unknown>[]
      const counts = { updated: 0, conflicts: 0, failed: 0 }
      try {
        const result =
          lastId === undefined
            ? await connection.query(selectFirst, [batchSize])
            : await connection.query(selectAfter, [batchSize, lastId])
        batch = result.rows as Record<string, unknown>[]
        for (const row of batch) {
          // Null prototype: a column may be called __proto__.
          const before: Record<string, unknown> = Object.create(null)
          for (const { name } of table.columns) before[name] = row[name]
          const outcome = reencryptRecord(fieldseal, before, fields, binding?.(row))
          if (outcome.error !== undefined) {
            counts.failed++
            onRowError?.({ id: row[table.idName], error: outcome.error })
            if (stopOnError) throw outcome.error
            continue
          }
          const statement = outcome.changed
            ? updateRow(table, row[table.idName], before, outcome.record)
            : undefined
          if (statement === undefined) continue
          const update = await connection.query(statement.text, statement.values)
          if (update.rowCount === 1) counts.updated++
          else counts.conflicts++
        }
        await connection.query('COMMIT')
      } catch (error) {
        await connection.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError as Error // do not hand a connection in an unknown state back
        })
        throw error
      }
      if (batch.length === 0) break
      lastId = batch[batch.length - 1]?.[shape.idName]
      progress.rows += batch.length
      progress.updated += counts.updated
      progress.conflicts += counts.conflicts
      progress.failed += counts.failed
      onProgress?.({ ...progress, lastId })
      if (batch.length < batchSize) break
      signal?.throwIfAborted()
    }
  } finally {
    connection.release(broken)
  }
  return { ...progress, lastId }
}

/**
 * `fieldseal/migrate`: what moves stored data between keys — a usage report per key id (so a key
 * is retired only when nothing uses it) and re-encryption of records, NDJSON streams and
 * PostgreSQL tables to the active key.
 *
 * @module
 */
export {
  keyUsage,
  type KeyUsageOptions,
  type KeyUsageReport,
  type RecordSource,
} from './key-usage.js'
export {
  reencryptRecords,
  type ReencryptProgress,
  type ReencryptRecordsOptions,
  type ReencryptResult,
} from './reencrypt-batch.js'
export { RECORD_ERROR_CODES } from './reencrypt-record.js'
export {
  reencryptTable,
  type ReencryptTableOptions,
  type RowFailure,
  type TableProgress,
} from './reencrypt-table.js'
export {
  readNdjson,
  writeNdjson,
  type NdjsonLine,
  type NdjsonSink,
  type NdjsonSource,
  type ReadNdjsonOptions,
} from './ndjson.js'
export type { PgConnection, PgPool, PgQueryable } from '../postgres/sql.js'

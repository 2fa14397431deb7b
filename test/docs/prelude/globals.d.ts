/**
 * What the documentation's examples leave out, declared once for test/docs/examples.test.ts:
 * the application around an example (its database, logger, audit sink, an instance it already
 * made). Typed as a real application would have them, so an example that misuses one does not
 * compile. Everything fieldseal exports, examples import themselves.
 *
 * Not part of the repository's own type check (tsconfig.json excludes this folder): declared
 * globally there, these names would hide a test that forgets to define them.
 */
import type { RequestHandler } from 'express'
import type { EventHook, Fieldseal } from 'fieldseal'
import type { Keyring, MasterKeyProvider } from 'fieldseal/keyring'
import type pg from 'pg'

/** A customer row as the application stores it: sensitive fields hold `enc:v1:` strings. */
interface StoredCustomer {
  readonly id: number
  readonly name: string
  readonly [field: string]: unknown
}

/** The application's data access: it stores what the handler gives it, as it is. */
interface CustomerTable {
  insert(row: unknown): StoredCustomer
  insertMany(rows: unknown): StoredCustomer[]
  all(): StoredCustomer[]
  get(id: string | number): StoredCustomer | undefined
}

declare global {
  /** The application's instance: `createFieldseal({ fields: [...] })`. */
  const sealer: Fieldseal
  /** The application's open keyring: `await openKeyring(...)`. */
  const keyring: Keyring
  /** The application's table of customers. */
  const db: CustomerTable
  /** The master-key provider the application opened (`createAwsKmsProvider(...)`, …). */
  const provider: MasterKeyProvider
  /** A PostgreSQL pool (`new pg.Pool()`), with its `error` listener attached. */
  const pool: pg.Pool
  /** A structured logger (pino's shape). */
  const log: {
    info(fields: object, message?: string): void
    warn(fields: object, message?: string): void
  }
  /** Where audit events go. */
  const audit: EventHook
  /** Express middleware of the application that lets administrators through. */
  const requireAdmin: RequestHandler
  /** Records read from the application's storage, one at a time. */
  const source: AsyncIterable<Record<string, unknown>>
  /** Where a long job stored how far it got (a row, a file); `0` when it never ran. */
  function loadCheckpoint(): Promise<number>
  function saveCheckpoint(position: unknown): void
  /** Writes one record back to the application's storage. */
  function write(record: Record<string, unknown>): Promise<void>
}

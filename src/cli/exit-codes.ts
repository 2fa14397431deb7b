/**
 * The CLI's exit codes and the one error class for command-line mistakes. Scripts branch on the
 * exit code; the stderr line carries the error's stable code for humans and logs.
 *
 * @module
 */
import { FieldsealError, type FieldsealErrorCode } from '../errors.js'

/** The command did what was asked. */
export const EXIT_OK = 0
/**
 * The command ran but could not do (all of) it: a key operation was refused (key in use, wrong
 * state, unknown id), records could not be re-encrypted, the input is not NDJSON, a file is
 * missing.
 */
export const EXIT_FAILED = 1
/** The command line is wrong: unknown command or flag, missing or bad argument. Nothing ran. */
export const EXIT_USAGE = 2
/**
 * The keys or the key store are the problem: no or wrong master key, no data key, an active
 * key past its encryption limit, an empty, corrupt, locked or unreachable key store, a master-key
 * provider (HSM, KMS) that refuses or does not answer.
 */
export const EXIT_KEYSTORE = 3
/** Stopped by SIGINT or SIGTERM (128 + 2); a re-encryption prints where to resume. */
export const EXIT_INTERRUPTED = 130

/** Code of every command-line mistake. */
export const USAGE_ERROR_CODE = 'ERR_FIELDSEAL_CLI_USAGE'

/**
 * A mistake on the command line (exit code 2). Its message names the flag or word at fault,
 * never the value of a secret.
 *
 * @example
 * ```ts
 * throw new UsageError('keys retire needs a key id', 'keys retire')
 * ```
 */
export class UsageError extends Error {
  readonly code = USAGE_ERROR_CODE
  /** The command whose usage to point at, e.g. `keys rotate`. */
  readonly command: string | undefined

  constructor(message: string, command?: string) {
    super(message)
    this.name = 'UsageError'
    this.command = command
  }
}

const USAGE_CODES: ReadonlySet<FieldsealErrorCode> = new Set<FieldsealErrorCode>([
  'ERR_FIELDSEAL_INVALID_OPTION',
  'ERR_FIELDSEAL_INVALID_PATH',
])

const KEYSTORE_CODES: ReadonlySet<FieldsealErrorCode> = new Set<FieldsealErrorCode>([
  'ERR_FIELDSEAL_NO_KEY',
  'ERR_FIELDSEAL_INVALID_KEY',
  'ERR_FIELDSEAL_WRONG_MASTER_KEY',
  'ERR_FIELDSEAL_KEY_EXHAUSTED',
  'ERR_FIELDSEAL_STORE_CORRUPT',
  'ERR_FIELDSEAL_STORE_TAMPERED',
  'ERR_FIELDSEAL_KEYRING_NOT_FOUND',
  'ERR_FIELDSEAL_STORE_LOCKED',
  'ERR_FIELDSEAL_STORE_CONFLICT',
  'ERR_FIELDSEAL_PROVIDER_DENIED',
  'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
  'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
])

/**
 * A failed key store connection (PostgreSQL refused, host not found…) is a store error, not a
 * failed operation: the same command will work once the store is reachable.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'ERR_FIELDSEAL_CLI_STORE_UNAVAILABLE'

  constructor(message: string, cause: unknown) {
    super(message, { cause })
    this.name = 'StoreUnavailableError'
  }
}

/**
 * A command stopped by SIGINT or SIGTERM (exit code 130).
 *
 * @example
 * ```ts
 * if (context.interrupted()) throw new InterruptedError()
 * ```
 */
export class InterruptedError extends Error {
  readonly code = 'ERR_FIELDSEAL_CLI_INTERRUPTED'

  constructor(message = 'interrupted') {
    super(message)
    this.name = 'InterruptedError'
  }
}

/**
 * The exit code for an error that ended a command.
 *
 * @example
 * ```ts
 * exitCodeFor(new FieldsealError('ERR_FIELDSEAL_WRONG_MASTER_KEY', 'wrong master key')) // 3
 * ```
 */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE
  if (error instanceof StoreUnavailableError) return EXIT_KEYSTORE
  if (error instanceof InterruptedError) return EXIT_INTERRUPTED
  if (error instanceof FieldsealError) {
    if (USAGE_CODES.has(error.code)) return EXIT_USAGE
    if (KEYSTORE_CODES.has(error.code)) return EXIT_KEYSTORE
  }
  return EXIT_FAILED
}

/**
 * The embedded default key store: one JSON file.
 *
 * - Atomic replace: the new document goes to a temp file in the same folder, is fsynced, renamed
 *   over the keyring and the folder is fsynced, so a crash leaves the old or the new keyring,
 *   never a torn one.
 * - Mode 0600: the file holds only wrapped keys, but nobody else needs to read it.
 * - An exclusive lock file (see `file-lock.ts`) so that two processes never write at once; the
 *   revision is checked under the lock.
 * - A corrupt or foreign file is refused with `ERR_FIELDSEAL_STORE_CORRUPT` and never
 *   overwritten.
 * - A watch on the folder tells running keyrings about saves by other processes at once.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
} from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { FieldsealError } from '../../errors.js'
import {
  optionNames,
  optionsObject,
  positiveInteger,
  rejectUnknownOptions,
} from '../../util/option-checks.js'
import { assertKeyringDocument, checkSaveArguments } from './document-check.js'
import { acquireFileLock } from './file-lock.js'
import { watchKeyringFile } from './file-watch.js'
import type { KeyringDocument, KeyStore, StoreWatch, StoreWatcher } from '../types.js'

/** Options of {@link FileKeyStore}. */
export interface FileKeyStoreOptions {
  /** Longest wait for another writer's lock, in ms. Defaults to `5000`. */
  readonly lockTimeoutMs?: number
  /** Age in ms after which a lock whose owner cannot be checked is abandoned. Defaults to `10000`. */
  readonly staleLockMs?: number
}

const WHERE = 'FileKeyStore'
const KNOWN = optionNames<FileKeyStoreOptions>({ lockTimeoutMs: true, staleLockMs: true })
// A keyring of thousands of keys is well under a megabyte; anything far larger is not one.
const MAX_FILE_BYTES = 16 * 1024 * 1024
// Temp files are named `.<file>.<pid>.<12 hex>.tmp`.
const TEMP_SUFFIX = /^\d+\.[0-9a-f]{12}\.tmp$/

function corrupt(path: string, why: string): FieldsealError {
  return new FieldsealError('ERR_FIELDSEAL_STORE_CORRUPT', `key store ${path}: ${why}`)
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code
}

/** fsync of a folder makes a rename durable; some platforms cannot open a folder for it. */
async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(folder, 'r')
    await handle.sync()
  } catch (error) {
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EACCES'].includes(errorCode(error) ?? '')) throw error
  } finally {
    await handle?.close()
  }
}

/**
 * A keyring in a JSON file.
 *
 * @example
 * ```ts
 * const store = new FileKeyStore('/var/lib/myapp/keyring.json')
 * const keyring = await openKeyring({ store }) // master key from FIELDSEAL_MASTER_KEY
 * ```
 */
export class FileKeyStore implements KeyStore {
  /** Absolute path of the keyring file. */
  readonly path: string
  /** Path of its lock file. */
  readonly lockPath: string
  readonly #folder: string
  readonly #tempPrefix: string
  readonly #lockTimeoutMs: number
  readonly #staleLockMs: number

  constructor(path: string, options?: Readonly<FileKeyStoreOptions>) {
    if (typeof path !== 'string' || path.trim() === '') {
      throw new TypeError(`${WHERE}: path must be a non-empty string`)
    }
    const defined = optionsObject(options, WHERE)
    rejectUnknownOptions(defined, KNOWN, WHERE)
    this.path = resolve(path)
    this.lockPath = `${this.path}.lock`
    this.#folder = dirname(this.path)
    this.#tempPrefix = `.${basename(this.path)}.`
    this.#lockTimeoutMs = positiveInteger(defined.lockTimeoutMs, 5_000, 'lockTimeoutMs', WHERE)
    this.#staleLockMs = positiveInteger(defined.staleLockMs, 10_000, 'staleLockMs', WHERE)
  }

  /** The stored keyring, `undefined` when the file does not exist. */
  async load(): Promise<KeyringDocument | undefined> {
    let text: string
    try {
      const info = await stat(this.path)
      if (!info.isFile()) throw corrupt(this.path, 'is not a regular file')
      if (info.size > MAX_FILE_BYTES) throw corrupt(this.path, 'is too large to be a keyring')
      text = await readFile(this.path, 'utf8')
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined
      throw error
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      // The parser's message quotes the file, so it is not kept as the cause.
      throw corrupt(
        this.path,
        'is not JSON: it was cut short or edited, or is not a keyring (saves are atomic, so no ' +
          'crash leaves it so); restore it from a backup',
      )
    }
    try {
      return assertKeyringDocument(parsed)
    } catch (error) {
      if (error instanceof FieldsealError) throw corrupt(this.path, error.message)
      throw error
    }
  }

  /**
   * Replaces the keyring with `doc` if its revision is still `expectedRevision` (0: no file
   * yet); otherwise `ERR_FIELDSEAL_STORE_CONFLICT`, and nothing is written.
   */
  async save(doc: KeyringDocument, expectedRevision: number): Promise<void> {
    const checked = checkSaveArguments(doc, expectedRevision, WHERE)
    await mkdir(this.#folder, { recursive: true, mode: 0o700 })
    const release = await acquireFileLock(this.lockPath, {
      timeoutMs: this.#lockTimeoutMs,
      staleMs: this.#staleLockMs,
    })
    try {
      const current = await this.load()
      const revision = current?.revision ?? 0
      if (revision !== expectedRevision) {
        throw new FieldsealError(
          'ERR_FIELDSEAL_STORE_CONFLICT',
          `the keyring is at revision ${revision}, not ${expectedRevision}; reload and retry`,
        )
      }
      await this.#removeTempFiles()
      await this.#replace(`${JSON.stringify(checked, null, 2)}\n`)
    } finally {
      await release()
    }
  }

  async #replace(text: string): Promise<void> {
    const temp = join(
      this.#folder,
      `${this.#tempPrefix}${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
    )
    const handle = await open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(text)
      await handle.sync()
      await handle.close()
      await rename(temp, this.path)
    } catch (error) {
      await handle.close().catch(() => undefined)
      await unlink(temp).catch(() => undefined)
      throw error
    }
    await syncFolder(this.#folder)
  }

  /** Temp files of writers that died mid-save; under the lock, no live writer has one. */
  async #removeTempFiles(): Promise<void> {
    const names = await readdir(this.#folder)
    for (const name of names) {
      if (
        name.startsWith(this.#tempPrefix) &&
        TEMP_SUFFIX.test(name.slice(this.#tempPrefix.length))
      ) {
        await unlink(join(this.#folder, name)).catch(() => undefined)
      }
    }
  }

  /**
   * Calls `watcher.onChange()` soon after the keyring file is replaced, by any process (a watch
   * on its folder, which survives the atomic rename of every save).
   */
  watch(watcher: StoreWatcher): StoreWatch {
    return watchKeyringFile(this.path, watcher)
  }

  /** `file <absolute path>`, for messages. */
  describe(): string {
    return `file ${this.path}`
  }

  /** Nothing stays open between calls. */
  async close(): Promise<void> {}
}

/**
 * A key store in process memory, for tests and throw-away setups. It keeps the document as JSON
 * text, so nothing a caller holds can change what is stored, and checks revisions exactly like
 * the persistent stores.
 *
 * @module
 */
import { FieldsealError } from '../../errors.js'
import { assertKeyringDocument, checkSaveArguments } from './document-check.js'
import type { KeyringDocument, KeyStore } from '../types.js'

const WHERE = 'MemoryKeyStore'

/**
 * A {@link KeyStore} in memory. Its keys die with the process: use a `FileKeyStore` or a
 * `PostgresKeyStore` for data that must outlive it.
 *
 * @example
 * ```ts
 * const keyring = await openKeyring({ store: new MemoryKeyStore(), masterKey: AesGcmCipher.generateKey() })
 * ```
 */
export class MemoryKeyStore implements KeyStore {
  #json: string | undefined
  #revision = 0

  /** @param initial a document to start from (validated). */
  constructor(initial?: KeyringDocument) {
    if (initial !== undefined) {
      const checked = assertKeyringDocument(initial)
      this.#json = JSON.stringify(checked)
      this.#revision = checked.revision
    }
  }

  /** Revision of the stored document; 0 while empty. */
  get revision(): number {
    return this.#revision
  }

  async load(): Promise<KeyringDocument | undefined> {
    return this.#json === undefined ? undefined : assertKeyringDocument(JSON.parse(this.#json))
  }

  async save(doc: KeyringDocument, expectedRevision: number): Promise<void> {
    const checked = checkSaveArguments(doc, expectedRevision, WHERE)
    if (this.#revision !== expectedRevision) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_STORE_CONFLICT',
        `the keyring is at revision ${this.#revision}, not ${expectedRevision}; reload and retry`,
      )
    }
    this.#json = JSON.stringify(checked)
    this.#revision = checked.revision
  }

  async close(): Promise<void> {}

  describe(): string {
    return 'a memory store'
  }
}

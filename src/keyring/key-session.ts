/**
 * The key manager's link to its store: the last document read, the master key that opens it,
 * and read-modify-save with optimistic concurrency. Every change is computed afresh on the
 * document just loaded and saved only if the store's revision is unchanged; on
 * `ERR_FIELDSEAL_STORE_CONFLICT` (another instance saved first) it reloads and computes again,
 * a bounded number of times. Changes made in this process are queued one after the other.
 *
 * @module
 */
import { FieldsealError, isFieldsealError } from '../errors.js'
import { addEncryptions } from './key-lifecycle.js'
import {
  createMasterKey,
  openMasterKey,
  type MasterKey,
  type MasterKeyInput,
} from './master-key.js'
import { UsageCounter } from './usage-counter.js'
import type { KeyRecord, KeyringDocument, KeyStore } from './types.js'

/** What a change sees: the freshest records and the master key that opens them. */
export interface ChangeInput {
  readonly keys: readonly KeyRecord[]
  readonly master: MasterKey
  /** False when the store is still empty. */
  readonly exists: boolean
}

/** What a change returns: new records to save (none = nothing to save), a new master key. */
export interface ChangeOutput<T> {
  readonly keys?: readonly KeyRecord[]
  readonly master?: MasterKey
  /** How to obtain `master` again later (with a new `master` only). */
  readonly masterInput?: MasterKeyInput
  readonly result: T
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function freeze(doc: KeyringDocument): KeyringDocument {
  for (const record of doc.keys) Object.freeze(record)
  Object.freeze(doc.keys)
  Object.freeze(doc.master)
  return Object.freeze(doc)
}

/** The store, the current document and master key, and the unsaved encryption counts. */
export class KeySession {
  readonly store: KeyStore
  readonly usage = new UsageCounter()
  #input: MasterKeyInput
  #master: MasterKey
  #doc: KeyringDocument | undefined
  #queue: Promise<unknown> = Promise.resolve()
  readonly #maxRetries: number

  private constructor(
    store: KeyStore,
    input: MasterKeyInput,
    master: MasterKey,
    maxRetries: number,
  ) {
    this.store = store
    this.#input = input
    this.#master = master
    this.#maxRetries = maxRetries
  }

  /** Loads the store and opens its master key (`ERR_FIELDSEAL_WRONG_MASTER_KEY` if wrong). */
  static async open(
    store: KeyStore,
    input: MasterKeyInput,
    maxRetries: number,
  ): Promise<KeySession> {
    const doc = await store.load()
    const master = doc ? await openMasterKey(input, doc.master) : await createMasterKey(input)
    const session = new KeySession(store, input, master, maxRetries)
    if (doc) session.#doc = freeze(doc)
    return session
  }

  /** The last document read or written; `undefined` while the store is empty. */
  get doc(): KeyringDocument | undefined {
    return this.#doc
  }

  get master(): MasterKey {
    return this.#master
  }

  /** The master key that opens `doc`, re-derived only when the stored master info changed. */
  async #masterFor(doc: KeyringDocument | undefined): Promise<MasterKey> {
    if (doc === undefined || doc.master.check === this.#master.info.check) return this.#master
    this.#master = await openMasterKey(this.#input, doc.master)
    return this.#master
  }

  async #load(): Promise<KeyringDocument | undefined> {
    const doc = await this.store.load()
    if (doc === undefined && this.#doc !== undefined) {
      // Starting a new keyring here would orphan every value sealed with the old one.
      throw new FieldsealError(
        'ERR_FIELDSEAL_STORE_CORRUPT',
        `the key store is empty but held revision ${this.#doc.revision}; refusing to start a new keyring`,
      )
    }
    return doc
  }

  #adopt(doc: KeyringDocument | undefined): void {
    if (doc !== undefined && (this.#doc === undefined || doc.revision > this.#doc.revision)) {
      this.#doc = freeze(doc)
    }
  }

  /** Reloads the document (another instance may have changed it). */
  async reload(): Promise<void> {
    const doc = await this.#load()
    await this.#masterFor(doc)
    this.#adopt(doc)
  }

  /** Runs `change` on the freshest document and saves its result, retrying on conflicts. */
  change<T>(change: (input: ChangeInput) => ChangeOutput<T>): Promise<T> {
    const run = this.#queue.then(() => this.#change(change))
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #change<T>(change: (input: ChangeInput) => ChangeOutput<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.#load()
      const master = await this.#masterFor(current)
      // Reads see the freshest keyring even when the change below is refused.
      this.#adopt(current)
      const output = change({ keys: current?.keys ?? [], master, exists: current !== undefined })
      if (output.keys === undefined) return output.result
      const taken = this.usage.drain()
      const revision = (current?.revision ?? 0) + 1
      const next: KeyringDocument = {
        format: 'fieldseal-keyring',
        formatVersion: 1,
        revision,
        master: (output.master ?? master).info,
        keys: addEncryptions(output.keys, taken),
      }
      try {
        await this.store.save(next, current?.revision ?? 0)
      } catch (error) {
        this.usage.restore(taken)
        if (!isFieldsealError(error, 'ERR_FIELDSEAL_STORE_CONFLICT')) throw error
        if (attempt >= this.#maxRetries) {
          throw new FieldsealError(
            'ERR_FIELDSEAL_STORE_CONFLICT',
            `the keyring kept changing under this update; gave up after ${attempt + 1} attempts`,
            { cause: error },
          )
        }
        await sleep(Math.random() * Math.min(200, 4 * 2 ** attempt))
        continue
      }
      if (output.master !== undefined) this.#master = output.master
      if (output.masterInput !== undefined) this.#input = output.masterInput
      // In the same step: the counts leave the unsaved ones as the document holding them arrives.
      this.#adopt(next)
      this.usage.saved(taken)
      return output.result
    }
  }

  /** Waits for queued changes. */
  async settle(): Promise<void> {
    await this.#queue
  }
}

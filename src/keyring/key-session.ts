/**
 * The key manager's link to its store: the last document read, the master key that opens it,
 * and read-modify-save with optimistic concurrency. Every change is computed afresh on the
 * document just loaded and saved only if the store's revision is unchanged; on
 * `ERR_FIELDSEAL_STORE_CONFLICT` (another instance saved first) it reloads and computes again,
 * a bounded number of times. Changes made in this process are queued one after the other.
 *
 * Every document is verified before it is used (`document-trust.ts`) and every save writes a
 * signed format 2 document. A reload compares content, not only the revision: a store holding
 * something else at the same or an older revision is taken as it is, and keys this process held
 * that it lost are added back.
 *
 * @module
 */
import { FieldsealError, isFieldsealError } from '../errors.js'
import { canonicalDocument, DocumentMac, tampered } from './document-mac.js'
import {
  keyringNotFound,
  keysAddedBack,
  restoreLost,
  signedDocument,
  upgradeRecords,
  verifyDocument,
  type LostKey,
} from './document-trust.js'
import { addEncryptions } from './key-lifecycle.js'
import { DEFAULT_REFRESH_INTERVAL_MS } from './keyring-options.js'
import {
  createMasterKey,
  openMasterKey,
  type MasterKey,
  type MasterKeyInput,
} from './master-key.js'
import { unwrapRecord } from './record-binding.js'
import { UsageCounter } from './usage-counter.js'
import type { KeyRecord, KeyringDocument, KeyStore } from './types.js'

/** What a change sees: the freshest records (format 2) and the master key that opens them. */
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

/** How a session opens its store. */
export interface SessionOptions {
  /** Attempts after a store conflict. */
  readonly maxRetries: number
  /** Start a new keyring when the store holds none; otherwise that is an error. */
  readonly create: boolean
  readonly now: () => Date
}

interface Loaded {
  readonly doc: KeyringDocument
  readonly master: MasterKey
  readonly mac: DocumentMac | undefined
  /** Saves this session had made when the load started. */
  readonly epoch: number
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
  #mac: DocumentMac | undefined
  #doc: KeyringDocument | undefined
  #queue: Promise<unknown> = Promise.resolve()
  #epoch = 0
  #lost: LostKey[] = []
  readonly #options: SessionOptions

  private constructor(
    store: KeyStore,
    input: MasterKeyInput,
    master: MasterKey,
    options: SessionOptions,
  ) {
    this.store = store
    this.#input = input
    this.#master = master
    this.#options = options
  }

  /**
   * Loads the store and opens its master key (`ERR_FIELDSEAL_WRONG_MASTER_KEY` if wrong); an
   * empty store is `ERR_FIELDSEAL_KEYRING_NOT_FOUND` unless `create`.
   */
  static async open(
    store: KeyStore,
    input: MasterKeyInput,
    options: SessionOptions,
  ): Promise<KeySession> {
    const doc = await store.load()
    if (doc === undefined && !options.create) throw keyringNotFound(store)
    const master = doc ? await openMasterKey(input, doc.master) : await createMasterKey(input)
    const session = new KeySession(store, input, master, options)
    if (doc) session.#accept({ doc, master, mac: verifyDocument(doc, master, undefined), epoch: 0 })
    return session
  }

  /** The last document read or written; `undefined` while the store is empty. */
  get doc(): KeyringDocument | undefined {
    return this.#doc
  }

  get master(): MasterKey {
    return this.#master
  }

  /** The material of `record` of the current document (a copy: zero it when done). */
  unwrap(record: KeyRecord): Buffer {
    return unwrapRecord(this.#master, record, this.#doc?.formatVersion ?? 2)
  }

  async #load(): Promise<Loaded | undefined> {
    const epoch = this.#epoch
    const doc = await this.store.load()
    if (doc === undefined) {
      if (this.#doc === undefined) return undefined
      // Starting a new keyring here would orphan every value sealed with the old one.
      throw new FieldsealError(
        'ERR_FIELDSEAL_STORE_CORRUPT',
        `the key store is empty but held revision ${this.#doc.revision}; refusing to start a new keyring`,
      )
    }
    if (doc.formatVersion === 1 && this.#doc?.formatVersion === 2) {
      // Format 1 has no MAC: going back to it is how a MAC would be stripped.
      throw tampered('it went back to format 1, which carries no MAC')
    }
    const same = doc.master.check === this.#master.info.check
    const master = same ? this.#master : await openMasterKey(this.#input, doc.master)
    return { doc, master, mac: verifyDocument(doc, master, same ? this.#mac : undefined), epoch }
  }

  /** Takes a verified document as the current one, unless it is a read older than our save. */
  #accept(loaded: Loaded): void {
    const current = this.#doc
    const { doc } = loaded
    if (current !== undefined && doc.revision <= current.revision) {
      if (canonicalDocument(doc).equals(canonicalDocument(current))) return
      if (loaded.epoch !== this.#epoch) return // it was read before our own last save
      // Forked or put back: keep what the store lost of ours, to add it back on the next save.
      const known = new Set([...doc.keys, ...this.#lost.map((lost) => lost.record)].map((r) => r.id))
      for (const record of current.keys) {
        if (record.wrapped !== null && !known.has(record.id)) {
          this.#lost.push({ record, material: this.unwrap(record) })
        }
      }
    }
    this.#doc = freeze(doc)
    this.#master = loaded.master
    this.#mac = loaded.mac
  }

  /**
   * Reloads the document (another instance may have changed it). When the store lost keys this
   * process held, they are saved back at once and `ERR_FIELDSEAL_STORE_CONFLICT` reports it.
   */
  async reload(): Promise<void> {
    const loaded = await this.#load()
    if (loaded !== undefined) this.#accept(loaded)
    if (this.#lost.length === 0) return
    const ids = this.#lost.map((lost) => lost.record.id)
    await this.change(() => ({ result: undefined }))
    throw keysAddedBack(ids, loaded?.doc.revision)
  }

  /** Runs `change` on the freshest document and saves its result, retrying on conflicts. */
  change<T>(change: (input: ChangeInput) => ChangeOutput<T>): Promise<T> {
    const run = this.#queue.then(() => this.#change(change))
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #change<T>(change: (input: ChangeInput) => ChangeOutput<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const loaded = await this.#load()
      // Reads see the freshest keyring even when the change below is refused.
      if (loaded !== undefined) this.#accept(loaded)
      const current = loaded?.doc
      const master = loaded?.master ?? this.#master
      const now = this.#options.now()
      let keys = current?.keys ?? []
      if (current?.formatVersion === 1) keys = upgradeRecords(keys, master, now)
      if (this.#lost.length > 0) keys = restoreLost(keys, this.#lost, master, now)
      const output = change({ keys, master, exists: current !== undefined })
      if (output.keys === undefined && this.#lost.length === 0) return output.result
      const taken = this.usage.drain()
      const nextMaster = output.master ?? master
      // A new MAC key with every new master key, and when a format 1 document is upgraded.
      const mac = output.master === undefined ? (loaded?.mac ?? this.#mac) : undefined
      const signer = mac ?? DocumentMac.create(nextMaster)
      const next = signedDocument(
        {
          revision: (current?.revision ?? 0) + 1,
          master: nextMaster.info,
          maxRefreshIntervalMs: current?.maxRefreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS,
          keys: addEncryptions(output.keys ?? keys, taken),
        },
        signer,
      )
      try {
        await this.store.save(next, current?.revision ?? 0)
      } catch (error) {
        this.usage.restore(taken)
        if (!isFieldsealError(error, 'ERR_FIELDSEAL_STORE_CONFLICT')) throw error
        if (attempt >= this.#options.maxRetries) {
          throw new FieldsealError(
            'ERR_FIELDSEAL_STORE_CONFLICT',
            `the keyring kept changing under this update; gave up after ${attempt + 1} attempts`,
            { cause: error },
          )
        }
        await sleep(Math.random() * Math.min(200, 4 * 2 ** attempt))
        continue
      }
      this.#epoch++
      this.#master = nextMaster
      this.#mac = signer
      if (output.masterInput !== undefined) this.#input = output.masterInput
      this.#doc = freeze(next)
      // In the same step: the counts leave the unsaved ones as the document holding them arrives.
      this.usage.saved(taken)
      for (const lost of this.#lost.splice(0)) lost.material.fill(0)
      return output.result
    }
  }

  /** Waits for queued changes. */
  async settle(): Promise<void> {
    await this.#queue
  }
}

/**
 * The key manager's link to its store: read-modify-save with optimistic concurrency. Every change
 * is computed afresh on the document just loaded and saved only if the store's revision is
 * unchanged; on `ERR_FIELDSEAL_STORE_CONFLICT` (another instance saved first) it reloads and
 * computes again, a bounded number of times. Changes made in this process are queued one after
 * the other. Every save writes a signed format 3 document: a format 1 (0.1.0) or 2 one is
 * upgraded (its keys wrapped again through the provider), and keys the store had lost are added
 * back. What the session holds between changes, and how it
 * trusts what it loads, is in `held-keyring.ts`.
 *
 * @module
 */
import { FieldsealError, isFieldsealError } from '../errors.js'
import { DocumentMac } from './document-mac.js'
import { keyringNotFound, keysAddedBack, signedDocument, upgradeRecords } from './document-trust.js'
import { HeldKeyring } from './held-keyring.js'
import { addEncryptions } from './key-lifecycle.js'
import type { KeyWrapper } from './key-material.js'
import { DEFAULT_REFRESH_INTERVAL_MS } from './keyring-options.js'
import type { KeyManagerConfig } from './manager-options.js'
import {
  createMasterKey,
  type MasterKey,
  type MasterKeyInput,
  openMasterKey,
} from './master-key.js'
import type { Confirmation } from './seal-lease.js'
import { UsageCounter } from './usage-counter.js'
import type { KeyRecord, KeyringDocument, KeyStore } from './types.js'

/** What a change sees: the freshest records (format 3) and the master key that opens them. */
export interface ChangeInput {
  readonly keys: readonly KeyRecord[]
  readonly master: MasterKey
  /** Wraps by `master`, and reads the material of `keys`. */
  readonly wrapper: KeyWrapper
  /** A wrapper by another master key (the target of a rewrap). */
  wrapperFor(master: MasterKey): KeyWrapper
  /** False when the store is still empty. */
  readonly exists: boolean
  /** The longest refresh interval the document records. */
  readonly maxRefreshIntervalMs: number
}

/** What a change returns: new records to save (none = nothing to save), a new master key. */
export interface ChangeOutput<T> {
  readonly keys?: readonly KeyRecord[]
  readonly master?: MasterKey
  /** How to obtain `master` again later (with a new `master` only). */
  readonly masterInput?: MasterKeyInput
  /** A longer refresh interval to record (an instance that refreshes less often opened). */
  readonly maxRefreshIntervalMs?: number
  readonly result: T
}

/** What a session is opened with (part of the key manager's configuration). */
export type SessionOptions = Pick<
  KeyManagerConfig,
  'store' | 'master' | 'maxRetries' | 'create' | 'now' | 'env'
>

/** A change: computed on the freshest document, maybe again after a conflict. */
export type Change<T> = (input: ChangeInput) => ChangeOutput<T> | Promise<ChangeOutput<T>>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The store, the keyring held from it, and the unsaved encryption counts. */
export class KeySession {
  readonly store: KeyStore
  readonly usage = new UsageCounter()
  readonly #held: HeldKeyring
  #queue: Promise<unknown> = Promise.resolve()
  readonly #options: SessionOptions

  private constructor(store: KeyStore, held: HeldKeyring, options: SessionOptions) {
    this.store = store
    this.#held = held
    this.#options = options
  }

  /**
   * Loads the store and opens its master key (`ERR_FIELDSEAL_WRONG_MASTER_KEY` if wrong); an
   * empty store is `ERR_FIELDSEAL_KEYRING_NOT_FOUND` unless `create`.
   */
  static async open(options: SessionOptions): Promise<KeySession> {
    const { store, master: input, env } = options
    const started = { wall: options.now().getTime(), mono: performance.now() }
    const doc = await store.load()
    if (doc === undefined && !options.create) throw keyringNotFound(store)
    const master = doc
      ? await openMasterKey(input, doc.master, undefined, env)
      : await createMasterKey(input, env)
    const held = new HeldKeyring(store, input, master, options.now)
    try {
      if (doc) held.accept(await held.verify(doc, 0, started))
      else held.confirm(started)
    } catch (error) {
      await held.close()
      throw error
    }
    return new KeySession(store, held, options)
  }

  /** The last document read or written; `undefined` while the store is empty. */
  get doc(): KeyringDocument | undefined {
    return this.#held.doc
  }

  get master(): MasterKey {
    return this.#held.master
  }

  /** When the document in use was last confirmed current (see `seal-lease.ts`). */
  get confirmedAt(): Confirmation | undefined {
    return this.#held.confirmedAt
  }

  /** The material of `record` of the current document (a copy: zero it when done). */
  unwrap(record: KeyRecord): Buffer {
    return this.#held.unwrap(record)
  }

  /**
   * Reloads the document (another instance may have changed it). When the store lost keys this
   * process held, they are saved back at once and `ERR_FIELDSEAL_STORE_CONFLICT` reports it.
   */
  async reload(): Promise<void> {
    const loaded = await this.#held.load()
    if (loaded !== undefined) this.#held.accept(loaded)
    else this.#held.confirm(this.#held.now()) // still empty, as when opened with create
    const ids = this.#held.lost.ids
    if (ids.length === 0) return
    await this.change(() => ({ result: undefined }))
    throw keysAddedBack(ids, loaded?.doc.revision)
  }

  /** Runs `change` on the freshest document and saves its result, retrying on conflicts. */
  change<T>(change: Change<T>): Promise<T> {
    const run = this.#queue.then(() => this.#change(change))
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #change<T>(change: Change<T>): Promise<T> {
    const held = this.#held
    for (let attempt = 0; ; attempt++) {
      const loaded = await held.load()
      // Reads see the freshest keyring even when the change below is refused.
      if (loaded !== undefined) held.accept(loaded)
      const current = loaded?.doc
      const master = loaded?.master ?? held.master
      const wrapper = held.wrapper(master)
      const now = this.#options.now()
      let keys = current?.keys ?? []
      const restoring = held.lost.ids.length > 0
      if (restoring) keys = await held.lost.restore(keys, wrapper, now)
      const interval = current?.maxRefreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS
      const exists = current !== undefined
      const output = await change({
        keys,
        master,
        wrapper,
        wrapperFor: (other) => held.wrapper(other),
        exists,
        maxRefreshIntervalMs: interval,
      })
      if (output.keys === undefined && output.maxRefreshIntervalMs === undefined && !restoring) {
        return output.result
      }
      let saving = output.keys ?? keys
      // Saved as format 3: what the change kept of a format 1 or 2 document goes under the seam.
      if (current !== undefined && current.formatVersion < 3) {
        saving = await upgradeRecords(saving, current, wrapper, now)
      }
      const nextMaster = output.master ?? master
      // A new MAC key with every new master key, and when a format 1 or 2 document is upgraded.
      const reuse = output.master === undefined && current?.formatVersion === 3
      const signer =
        (reuse ? (loaded?.mac ?? held.mac) : undefined) ?? (await DocumentMac.create(nextMaster))
      const taken = this.usage.drain()
      const next = signedDocument(
        {
          revision: (current?.revision ?? 0) + 1,
          master: nextMaster.info,
          maxRefreshIntervalMs: Math.max(interval, output.maxRefreshIntervalMs ?? 0),
          keys: addEncryptions(saving, taken),
        },
        signer,
      )
      const started = held.now()
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
      if (output.masterInput !== undefined) held.input = output.masterInput
      held.saved(next, nextMaster, signer, started)
      // In the same step: the counts leave the unsaved ones as the document holding them arrives.
      this.usage.saved(taken)
      return output.result
    }
  }

  /** Waits for queued changes. */
  async settle(): Promise<void> {
    await this.#queue
  }

  /** Zeroes the material held and releases the providers this session made. */
  async close(): Promise<void> {
    await this.settle()
    await this.#held.close()
  }
}

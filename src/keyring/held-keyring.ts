/**
 * What a key session holds of its store: the last verified document, the master key and MAC key
 * that open it, when it was last confirmed current, and the keys the store lost.
 *
 * Every document is verified before it is held (`document-trust.ts`). A load compares content,
 * not only the revision: a store holding something else at the same or an older revision (a
 * fork, a restored backup) is taken as it is, and the keys held here that it lost are kept to be
 * saved back. A load that started before this session's own last save is older news and changes
 * nothing.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { canonicalDocument, tampered, type DocumentMac } from './document-mac.js'
import { LostKeys, verifyDocument } from './document-trust.js'
import { openMasterKey, type MasterKey, type MasterKeyInput } from './master-key.js'
import { unwrapRecord } from './key-material.js'
import type { Confirmation } from './seal-lease.js'
import type { KeyRecord, KeyringDocument, KeyStore } from './types.js'

/** A verified document, as one load read it. */
export interface Loaded {
  readonly doc: KeyringDocument
  readonly master: MasterKey
  readonly mac: DocumentMac | undefined
  /** Saves made here when the load started. */
  readonly epoch: number
  /** When the load started: what it read was current then. */
  readonly started: Confirmation
}

/** Equal content: for two verified format 2 documents, equal MACs say it without a comparison. */
function sameContent(a: KeyringDocument, b: KeyringDocument): boolean {
  if (a.mac !== undefined && b.mac !== undefined) return a.mac === b.mac && a.macKey === b.macKey
  return canonicalDocument(a).equals(canonicalDocument(b))
}

function freeze(doc: KeyringDocument): KeyringDocument {
  for (const record of doc.keys) Object.freeze(record)
  Object.freeze(doc.keys)
  Object.freeze(doc.master)
  return Object.freeze(doc)
}

/**
 * The keyring a session holds.
 *
 * @example
 * ```ts
 * const held = new HeldKeyring(store, input, master, () => new Date())
 * const loaded = await held.load()
 * if (loaded) held.accept(loaded)
 * ```
 */
export class HeldKeyring {
  readonly lost = new LostKeys()
  #input: MasterKeyInput
  #master: MasterKey
  #mac: DocumentMac | undefined
  #doc: KeyringDocument | undefined
  #epoch = 0
  #confirmed: Confirmation | undefined
  readonly #store: KeyStore
  readonly #now: () => Date

  constructor(store: KeyStore, input: MasterKeyInput, master: MasterKey, now: () => Date) {
    this.#store = store
    this.#input = input
    this.#master = master
    this.#now = now
  }

  get doc(): KeyringDocument | undefined {
    return this.#doc
  }

  get master(): MasterKey {
    return this.#master
  }

  get mac(): DocumentMac | undefined {
    return this.#mac
  }

  /** The start of the last verified load or save (or of an open that found the store empty). */
  get confirmedAt(): Confirmation | undefined {
    return this.#confirmed
  }

  /** The wall and monotonic clocks now. */
  now(): Confirmation {
    return { wall: this.#now().getTime(), mono: performance.now() }
  }

  /** Notes that the document held was current at `at`. */
  confirm(at: Confirmation): void {
    if (this.#confirmed === undefined || at.wall > this.#confirmed.wall) this.#confirmed = at
  }

  /** The material of `record` of the document held (a copy: zero it when done). */
  unwrap(record: KeyRecord): Buffer {
    return unwrapRecord(this.#master, record, this.#doc?.formatVersion ?? 2)
  }

  /** Loads and verifies the store's document; `undefined` while the store is still empty. */
  async load(): Promise<Loaded | undefined> {
    const epoch = this.#epoch
    const started = this.now()
    const doc = await this.#store.load()
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
    const mac = verifyDocument(doc, master, same ? this.#mac : undefined)
    return { doc, master, mac, epoch, started }
  }

  /** Holds a loaded document, unless it was read before this session's own last save. */
  accept(loaded: Loaded): void {
    const current = this.#doc
    const { doc } = loaded
    const older = current !== undefined && doc.revision <= current.revision
    if (older && loaded.epoch !== this.#epoch) return
    this.confirm(loaded.started)
    if (older) {
      if (sameContent(doc, current)) return
      this.lost.collect(current, doc, (record) => this.unwrap(record))
    }
    this.#doc = freeze(doc)
    this.#master = loaded.master
    this.#mac = loaded.mac
  }

  /** Holds `doc`, which this session just saved (the save started `at`). */
  saved(doc: KeyringDocument, master: MasterKey, mac: DocumentMac, at: Confirmation): void {
    this.#epoch++
    this.confirm(at)
    this.#doc = freeze(doc)
    this.#master = master
    this.#mac = mac
    this.lost.clear()
  }

  /** From now on the master key comes from `input` (after a rewrap). */
  set input(input: MasterKeyInput) {
    this.#input = input
  }
}

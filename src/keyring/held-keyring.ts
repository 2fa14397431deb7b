/**
 * What a key session holds of its store: the last verified document, the master key and MAC key
 * that open it, the material of its live keys, when it was last confirmed current, and the keys
 * the store lost.
 *
 * Every document is verified before it is held (`document-trust.ts`), and every live key of it
 * opened: a provider is called for what is new since the last load only, so a refresh that
 * finds nothing changed makes no call, and an HSM or KMS outage stops nothing until a rotation
 * needs it (then the load fails, the last good keyring stays, and the seal lease decides).
 * Material stays in memory, copied out on demand, so sealing and opening never call out.
 *
 * A load compares content, not only the revision: a store holding something else at the same or
 * an older revision (a fork, a restored backup) is taken as it is, and the keys held here that it
 * lost are kept to be saved back. A load that started before this session's own last save is
 * older news and changes nothing.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { canonicalDocument, type DocumentMac, tampered } from './document-mac.js'
import { LostKeys, verifyDocument } from './document-trust.js'
import { type KeyWrapper, recordBinding, unwrapRecord } from './key-material.js'
import { type MasterKey, type MasterKeyInput, openMasterKey } from './master-key.js'
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

// Unwraps a load runs at once: enough to hide a KMS round trip, few enough not to be throttled.
const PARALLEL_UNWRAPS = 8

/** Equal content: for two verified documents with a MAC, equal MACs say it without a comparison. */
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
  /** Material of keys, by their wrapping (unique: every wrap has a fresh IV). */
  readonly #materials = new Map<string, { readonly id: string; readonly material: Buffer }>()
  /** Master keys made here, released when the session closes. */
  readonly #owned = new Set<MasterKey>()
  readonly #store: KeyStore
  readonly #now: () => Date

  constructor(store: KeyStore, input: MasterKeyInput, master: MasterKey, now: () => Date) {
    this.#store = store
    this.#input = input
    this.#master = master
    this.#now = now
    this.#own(master)
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

  /** The material of a live `record` of a document loaded or saved here (a copy: zero it). */
  unwrap(record: KeyRecord): Buffer {
    const material = record.wrapped === null ? undefined : this.#materials.get(record.wrapped)
    if (material === undefined || material.id !== record.id) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_KEY_UNAVAILABLE',
        `key "${record.id}" has no material in this keyring`,
        { kid: record.id },
      )
    }
    return Buffer.from(material.material)
  }

  /** Wraps by `master` and reads the material held here: what a change works with. */
  wrapper(master: MasterKey): KeyWrapper {
    return {
      wrap: async (record, material) => {
        const wrapped = await master.wrap(recordBinding(record), material)
        this.#materials.set(wrapped, { id: record.id, material: Buffer.from(material) })
        return wrapped
      },
      material: (record) => this.unwrap(record),
    }
  }

  /**
   * Loads and verifies the store's document and opens its live keys; `undefined` while the store
   * is still empty.
   */
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
    return this.verify(doc, epoch, started)
  }

  /** Verifies `doc`, read when this session had made `epoch` saves, at `started`; opens its keys. */
  async verify(doc: KeyringDocument, epoch: number, started: Confirmation): Promise<Loaded> {
    if (doc.formatVersion < (this.#doc?.formatVersion ?? 1)) {
      // Format 1 has no MAC, and format 2 no provider: going back is how either would be stripped.
      throw tampered(`it went back to format ${doc.formatVersion}`)
    }
    const same = this.#master.stands(doc.master)
    const master = same ? this.#master : await openMasterKey(this.#input, doc.master, this.#master)
    this.#own(master)
    const mac = await verifyDocument(doc, master, same ? this.#mac : undefined)
    await this.#open(doc, master)
    return { doc, master, mac, epoch, started }
  }

  /** Opens every live key of `doc` not opened before, a few provider calls at a time. */
  async #open(doc: KeyringDocument, master: MasterKey): Promise<void> {
    const missing = doc.keys.filter((r) => r.wrapped !== null && !this.#materials.has(r.wrapped))
    for (let i = 0; i < missing.length; i += PARALLEL_UNWRAPS) {
      const batch = missing.slice(i, i + PARALLEL_UNWRAPS)
      const opened = await Promise.all(batch.map((r) => unwrapRecord(master, r, doc.formatVersion)))
      batch.forEach((r, j) => {
        this.#materials.set(r.wrapped as string, { id: r.id, material: opened[j] as Buffer })
      })
    }
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
    this.#hold(freeze(doc), loaded.master, loaded.mac)
  }

  /** Holds `doc`, which this session just saved (the save started `at`). */
  saved(doc: KeyringDocument, master: MasterKey, mac: DocumentMac, at: Confirmation): void {
    this.#epoch++
    this.confirm(at)
    this.#own(master)
    this.#hold(freeze(doc), master, mac)
    this.lost.clear()
  }

  #hold(doc: KeyringDocument, master: MasterKey, mac: DocumentMac | undefined): void {
    this.#doc = doc
    this.#master = master
    this.#mac = mac
    // A retired key's material is erased here too. Other wrappings stay until close: a change
    // or a load running beside this one may be about to hold them.
    const retired = new Set(doc.keys.filter((r) => r.status === 'retired').map((r) => r.id))
    for (const [wrapped, entry] of this.#materials) {
      if (!retired.has(entry.id)) continue
      entry.material.fill(0)
      this.#materials.delete(wrapped)
    }
  }

  #own(master: MasterKey): void {
    if (master.owned) this.#owned.add(master)
  }

  /** From now on the master key comes from `input` (after a rewrap). */
  set input(input: MasterKeyInput) {
    this.#input = input
  }

  /** Zeroes the material held and releases the providers made here. */
  async close(): Promise<void> {
    for (const entry of this.#materials.values()) entry.material.fill(0)
    this.#materials.clear()
    for (const master of this.#owned) await master.close().catch(() => undefined)
    this.#owned.clear()
  }
}

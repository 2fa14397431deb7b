/**
 * Shared set-up for the keyring tests: master keys, temp folders, a recording event hook and a
 * hand-driven clock.
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'
import { AesGcmCipher } from '../../src/crypto/aes-gcm.js'
import type { FieldsealEvent } from '../../src/core/events.js'
import { DocumentMac } from '../../src/keyring/document-mac.js'
import { type KeyWrapper, recordBinding, unwrapRecord } from '../../src/keyring/key-material.js'
import { type MasterKey, openMasterKey } from '../../src/keyring/master-key.js'
import type { KeyRecord, KeyringDocument, KeyStore } from '../../src/keyring/types.js'

/** A fresh master key as `FIELDSEAL_MASTER_KEY` would hold it. */
export function masterKeyBase64(): string {
  return AesGcmCipher.generateKey().toString('base64')
}

const folders: string[] = []
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

/** A temp folder removed after the test. */
export function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'fieldseal-keyring-'))
  folders.push(folder)
  return folder
}

/** An event hook that keeps what it receives. */
export function recorder(): { events: FieldsealEvent[]; onEvent: (event: FieldsealEvent) => void } {
  const events: FieldsealEvent[] = []
  return { events, onEvent: (event) => void events.push(event) }
}

/** A clock the test moves by hand. */
export function manualClock(start = '2030-01-01T00:00:00.000Z') {
  let now = Date.parse(start)
  return {
    now: () => new Date(now),
    advanceDays(days: number) {
      now += days * 86_400_000
    },
  }
}

/** Absolute path of a helper script in this folder. */
export function helperScript(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url))
}

/** The project root (child processes run there so `--import tsx` resolves). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * `doc` (format 2 or 3) signed again with its own MAC key, as a holder of `masterKey` would: for
 * tests that set up a state by editing the document (a store edited without the key is refused).
 */
export async function resigned(doc: KeyringDocument, masterKey: string): Promise<KeyringDocument> {
  const master = await openMasterKey({ key: masterKey }, doc.master)
  const mac = await DocumentMac.open(master, doc.macKey as string, doc.formatVersion === 2 ? 2 : 3)
  const { mac: _old, ...unsigned } = doc
  return { ...unsigned, mac: mac.sign(unsigned) }
}

/**
 * Moves every "stopped being active" moment of the keyring in `store` back by `ms` (a new
 * revision, re-signed), as if its rotations had happened that long ago: the wait before a
 * retirement (src/keyring/seal-lease.ts) is then over, without the test waiting minutes.
 */
export async function backdateRotations(
  store: KeyStore,
  masterKey: string,
  ms: number,
): Promise<void> {
  const doc = (await store.load()) as KeyringDocument
  const keys = doc.keys.map((record) =>
    record.activeUntil
      ? { ...record, activeUntil: new Date(Date.parse(record.activeUntil) - ms).toISOString() }
      : record,
  )
  await store.save(
    await resigned({ ...doc, revision: doc.revision + 1, keys }, masterKey),
    doc.revision,
  )
}

/**
 * A {@link KeyWrapper} over `master` that remembers what it wrapped and opens (once, with
 * {@link TestWrapper.open}) what it did not: what a keyring session gives a change, for tests of
 * the record functions alone.
 */
export interface TestWrapper extends KeyWrapper {
  /** Opens `records` through the master key, as a session does when it loads a document. */
  open(records: readonly KeyRecord[], formatVersion?: 1 | 2 | 3): Promise<void>
}

export function testWrapper(master: MasterKey): TestWrapper {
  const materials = new Map<string, Buffer>()
  return {
    async wrap(record, material) {
      const wrapped = await master.wrap(recordBinding(record), material)
      materials.set(wrapped, Buffer.from(material))
      return wrapped
    },
    material(record) {
      const found = materials.get(record.wrapped as string)
      if (found === undefined) throw new Error(`test wrapper: ${record.id} was not opened`)
      return Buffer.from(found)
    },
    async open(records, formatVersion = 3) {
      for (const r of records) {
        if (r.wrapped !== null)
          materials.set(r.wrapped, await unwrapRecord(master, r, formatVersion))
      }
    },
  }
}

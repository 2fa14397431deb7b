/**
 * The contract every {@link KeyStore} keeps, as a reusable vitest suite. The memory, file and
 * PostgreSQL stores run it from their own tests; a third-party store (Redis, DynamoDB, S3…) runs
 * it the same way to show that a keyring can trust it:
 *
 * - an empty store loads `undefined`; what was saved loads back equal, as a copy;
 * - `save(doc, expected)` succeeds only while the stored revision is `expected` (0 when empty);
 *   otherwise `ERR_FIELDSEAL_STORE_CONFLICT` and nothing changes;
 * - revision rules: `doc.revision` must be `expected + 1`, `expected` a non-negative integer and
 *   `doc` a valid document, or the save is a `TypeError` and nothing changes;
 * - corrupt or foreign data is refused with `ERR_FIELDSEAL_STORE_CORRUPT`, never half-read, and
 *   the message quotes nothing from it;
 * - of concurrent savers from the same revision (each through its own store over the same
 *   storage, as separate processes would be), exactly one wins, the others get a conflict;
 * - `close()` may be called twice.
 *
 * @example
 * ```ts
 * import { describeKeyStoreContract } from '../helpers/store-contract.js'
 *
 * describeKeyStoreContract('RedisKeyStore', {
 *   create: async () => new RedisKeyStore(redis, { key: unique() }),
 *   holding: async (value) => { const key = unique(); await redis.set(key, JSON.stringify(value)); return new RedisKeyStore(redis, { key }) },
 *   another: async (store) => new RedisKeyStore(redis, { key: store.key }),
 * })
 * ```
 *
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { KeyringDocument, KeyStore } from '../../src/keyring/types.js'
import { keyRecord, keyringDocument, nextRevision } from '../fixtures/keyring-document.js'

/** How the contract reaches a store implementation. */
export interface StoreContractSubject<S extends KeyStore = KeyStore> {
  /** A store over new, empty storage (a fresh file, table row, map…). */
  create(): Promise<S>
  /**
   * A store whose storage already holds `value` (a JSON value), written there by something else
   * than `save` — a hand edit, another program, a damaged disk. Its refusal may come from
   * `holding` itself or from `load()`.
   */
  holding(value: unknown): Promise<S>
  /** Another store over the same storage as `store`, as another process would open it. */
  another(store: S): Promise<S>
}

const CONCURRENT_SAVERS = 8
// Planted in corrupt documents: a refusal must not quote it.
const PLANTED = 'planted-value-7f3a'

/** Corrupt or foreign documents, each with what is wrong with it. */
function corruptValues(): Array<[string, unknown]> {
  const good = keyringDocument(3)
  const active = keyRecord({ version: 2 })
  return [
    ['not an object', [PLANTED]],
    ['a foreign document', { format: PLANTED, revision: 1 }],
    ['an unknown format version', { ...good, formatVersion: 9 }],
    ['an unknown property', { ...good, [PLANTED]: true }],
    ['two active data keys', { ...good, keys: [...good.keys, active] }],
    ['a retired key that kept its material', { ...good, keys: [keyRecord({ status: 'retired' })] }],
    ['a key id that is no key id', { ...good, keys: [keyRecord({ id: `${PLANTED} !` })] }],
    ['a format 2 document without its MAC', { ...good, mac: undefined }],
    ['a revision of 0', { ...good, revision: 0 }],
  ]
}

async function closeAll(stores: readonly KeyStore[]): Promise<void> {
  for (const store of new Set(stores)) await store.close?.()
}

/**
 * Registers the key store contract suite for the store `name`.
 *
 * @example
 * ```ts
 * describeKeyStoreContract('MemoryKeyStore', { create, holding, another })
 * ```
 */
export function describeKeyStoreContract<S extends KeyStore>(
  name: string,
  subject: StoreContractSubject<S>,
): void {
  describe(`${name} keeps the KeyStore contract`, () => {
    it('loads undefined while empty, and what was saved once saved', async () => {
      const store = await subject.create()
      expect(await store.load()).toBeUndefined()
      const doc = keyringDocument(1)
      await store.save(doc, 0)
      expect(await store.load()).toEqual(doc)
      const second = nextRevision(doc, 'second')
      await store.save(second, 1)
      expect(await store.load()).toEqual(second)
      await store.close?.()
    })

    it('hands out copies: changing a loaded document changes nothing stored', async () => {
      const store = await subject.create()
      await store.save(keyringDocument(1), 0)
      const loaded = (await store.load()) as unknown as { keys: Array<{ status: string }> }
      loaded.keys[0]!.status = 'retired'
      expect((await store.load())?.keys[0]?.status).toBe('active')
      await store.close?.()
    })

    it('refuses a save from any revision but the stored one, and changes nothing', async () => {
      const store = await subject.create()
      const first = keyringDocument(1)
      await store.save(first, 0)
      const conflict = { code: 'ERR_FIELDSEAL_STORE_CONFLICT' }
      await expect(store.save(keyringDocument(1), 0)).rejects.toMatchObject(conflict)
      const second = nextRevision(first, 'second')
      await store.save(second, 1)
      await expect(store.save(nextRevision(first, 'stale'), 1)).rejects.toMatchObject(conflict)
      const ahead = nextRevision(nextRevision(second, 'x'), 'y')
      await expect(store.save(ahead, 3)).rejects.toMatchObject(conflict)
      expect(await store.load()).toEqual(second)
      await store.close?.()
    })

    it('refuses a revision that is not expected + 1, a bad expected revision or an invalid document (TypeError)', async () => {
      const store = await subject.create()
      const doc = keyringDocument(1)
      await expect(store.save(keyringDocument(3), 0)).rejects.toBeInstanceOf(TypeError)
      await expect(store.save(keyringDocument(0 as number), -1)).rejects.toBeInstanceOf(TypeError)
      await expect(store.save(doc, 0.5)).rejects.toBeInstanceOf(TypeError)
      const invalid = { ...doc, format: 'other' } as unknown as KeyringDocument
      await expect(store.save(invalid, 0)).rejects.toBeInstanceOf(TypeError)
      expect(await store.load()).toBeUndefined()
      await store.close?.()
    })

    for (const [what, value] of corruptValues()) {
      it(`refuses stored data that is corrupt: ${what} (ERR_FIELDSEAL_STORE_CORRUPT, nothing quoted)`, async () => {
        const error = await (async () => {
          const store = await subject.holding(value)
          try {
            return await store.load()
          } finally {
            await store.close?.()
          }
        })().then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error).toMatchObject({ code: 'ERR_FIELDSEAL_STORE_CORRUPT' })
        expect(String((error as Error).message)).not.toContain(PLANTED)
      })
    }

    it(`lets exactly one of ${CONCURRENT_SAVERS} concurrent savers win, into an empty store and from a revision`, async () => {
      const store = await subject.create()
      const stores = [store]
      for (let i = 1; i < CONCURRENT_SAVERS; i++) stores.push(await subject.another(store))
      const race = async (round: string, base: KeyringDocument | undefined) => {
        const docs = stores.map((_, i) =>
          base === undefined
            ? keyringDocument(1, [keyRecord({ id: `${round}${i}` })])
            : nextRevision(base, `${round}${i}`),
        )
        const outcomes = await Promise.allSettled(
          stores.map((s, i) => s.save(docs[i] as KeyringDocument, base?.revision ?? 0)),
        )
        const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [docs[i]] : []))
        expect(won).toHaveLength(1)
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') {
            expect(outcome.reason).toMatchObject({ code: 'ERR_FIELDSEAL_STORE_CONFLICT' })
          }
        }
        expect(await stores[CONCURRENT_SAVERS - 1]?.load()).toEqual(won[0])
        return won[0] as KeyringDocument
      }
      const first = await race('first', undefined)
      const second = await race('second', first)
      expect(second.revision).toBe(2)
      await closeAll(stores)
    })

    it('closes twice without error, whether used or not', async () => {
      const unused = await subject.create()
      await unused.close?.()
      await unused.close?.()
      const used = await subject.create()
      await used.save(keyringDocument(1), 0)
      await used.close?.()
      await used.close?.()
    })
  })
}

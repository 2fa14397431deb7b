import { describe, expect, it } from 'vitest'
import { MemoryKeyStore } from '../../../../src/keyring/stores/memory-store.js'
import { keyringDocument, nextRevision } from '../../../fixtures/keyring-document.js'

describe('MemoryKeyStore', () => {
  it('is empty until the first save, then returns what was saved', async () => {
    const store = new MemoryKeyStore()
    expect(await store.load()).toBeUndefined()
    const doc = keyringDocument(1)
    await store.save(doc, 0)
    expect(await store.load()).toEqual(doc)
    expect(store.revision).toBe(1)
  })

  it('refuses a save from a stale revision and keeps the stored document', async () => {
    const store = new MemoryKeyStore(keyringDocument(1))
    const first = nextRevision((await store.load())!, 'first')
    await store.save(first, 1)
    const late = nextRevision(keyringDocument(1), 'late')
    await expect(store.save(late, 1)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_CONFLICT',
    })
    expect((await store.load())?.keys.map((k) => k.id)).toContain('first')
  })

  it('hands out copies: changing a loaded document changes nothing stored', async () => {
    const store = new MemoryKeyStore(keyringDocument(1))
    const loaded = (await store.load()) as unknown as { keys: Array<{ status: string }> }
    loaded.keys[0]!.status = 'retired'
    expect((await store.load())?.keys[0]?.status).toBe('active')
  })

  it('refuses an invalid document or a revision that is not expected + 1 (TypeError)', async () => {
    const store = new MemoryKeyStore()
    await expect(store.save({ format: 'other' } as never, 0)).rejects.toBeInstanceOf(TypeError)
    await expect(store.save(keyringDocument(3), 0)).rejects.toBeInstanceOf(TypeError)
    await expect(store.save(keyringDocument(1), -1)).rejects.toBeInstanceOf(TypeError)
  })
})

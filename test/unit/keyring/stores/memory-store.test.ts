import { describe, expect, it } from 'vitest'
import { MemoryKeyStore } from '../../../../src/keyring/stores/memory-store.js'
import type { KeyringDocument } from '../../../../src/keyring/types.js'
import { keyringDocument } from '../../../fixtures/keyring-document.js'
import { describeKeyStoreContract } from '../../../helpers/store-contract.js'

describeKeyStoreContract('MemoryKeyStore', {
  create: async () => new MemoryKeyStore(),
  // A memory store's only way in besides save() is its starting document.
  holding: async (value) => new MemoryKeyStore(value as KeyringDocument),
  // No storage outside the instance: other "processes" share it.
  another: async (store) => store,
})

describe('MemoryKeyStore', () => {
  it('tells its revision: 0 while empty, then the saved one', async () => {
    const store = new MemoryKeyStore()
    expect(store.revision).toBe(0)
    await store.save(keyringDocument(1), 0)
    expect(store.revision).toBe(1)
    expect(new MemoryKeyStore(keyringDocument(4)).revision).toBe(4)
  })
})

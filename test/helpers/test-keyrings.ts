/**
 * Keyrings for unit tests: on a memory store with a fresh master key, created when the store is
 * empty, without a refresh timer — each closed after its test.
 *
 * @module
 */
import { afterEach } from 'vitest'
import { openKeyring, type Keyring } from '../../src/keyring/keyring.js'
import type { KeyringOptions } from '../../src/keyring/keyring-options.js'
import { MemoryKeyStore } from '../../src/keyring/stores/memory-store.js'
import { masterKeyBase64 } from './keyring.js'

const opened: Keyring[] = []
afterEach(async () => {
  for (const keyring of opened.splice(0)) await keyring.close()
})

/** Opens a keyring with test defaults that `options` override; it is closed after the test. */
export async function openTestKeyring(options: Partial<KeyringOptions> = {}): Promise<Keyring> {
  const keyring = await openKeyring({
    store: new MemoryKeyStore(),
    ...(options.passphrase === undefined && options.masterKeyProvider === undefined
      ? { masterKey: masterKeyBase64() }
      : {}),
    env: {},
    create: true,
    refreshIntervalMs: 0,
    ...options,
  })
  opened.push(keyring)
  return keyring
}

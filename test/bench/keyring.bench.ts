/**
 * How long a key rotation takes: `rotateKey('data')` end to end (load, verify, mint, wrap, save
 * with lock, fsync and rename for the file store), on keyrings starting at 10 and at 500 keys,
 * plus opening a keyring. Run with `npx vitest bench --run test/bench/keyring.bench.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, bench, describe } from 'vitest'
import { AesGcmCipher } from '../../src/crypto/aes-gcm.js'
import { FileKeyStore } from '../../src/keyring/stores/file-store.js'
import { openKeyManager, type KeyManager } from '../../src/keyring/key-manager.js'
import { openKeyring } from '../../src/keyring/keyring.js'
import { MemoryKeyStore } from '../../src/keyring/stores/memory-store.js'
import type { KeyStore } from '../../src/keyring/types.js'

const masterKey = AesGcmCipher.generateKey()
const folder = mkdtempSync(join(tmpdir(), 'fieldseal-keyring-bench-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

async function keyringOf(store: KeyStore, keys: number): Promise<KeyManager> {
  const manager = await openKeyManager({ store, masterKey, env: {}, create: true })
  await manager.initEncryptionKeys()
  for (let i = 1; i < keys; i++) await manager.rotateKey('data')
  return manager
}

// Each rotation adds a key: 200 iterations plus warm-up grow a keyring by about 205 keys.
const options = { iterations: 200, time: 0, warmupIterations: 5 }

describe('rotateKey', async () => {
  const file10 = await keyringOf(new FileKeyStore(join(folder, 'k10.json')), 10)
  const file500 = await keyringOf(new FileKeyStore(join(folder, 'k500.json')), 500)
  const memory10 = await keyringOf(new MemoryKeyStore(), 10)
  bench(
    'FileKeyStore, 10 → 215 keys',
    () => file10.rotateKey('data').then(() => undefined),
    options,
  )
  bench(
    'FileKeyStore, 500 → 715 keys',
    () => file500.rotateKey('data').then(() => undefined),
    options,
  )
  bench(
    'MemoryKeyStore, 10 → 215 keys',
    () => memory10.rotateKey('data').then(() => undefined),
    options,
  )
})

describe('open', async () => {
  const path = join(folder, 'open.json')
  await keyringOf(new FileKeyStore(path), 10)
  bench(
    'openKeyring on a FileKeyStore of 10 keys (raw master key)',
    async () => {
      const keyring = await openKeyring({
        store: new FileKeyStore(path),
        masterKey,
        env: {},
        refreshIntervalMs: 0,
      })
      await keyring.close()
    },
    { iterations: 100, time: 0 },
  )

  const byPassphrase = join(folder, 'passphrase.json')
  await (
    await openKeyManager({
      store: new FileKeyStore(byPassphrase),
      passphrase: 'bench',
      env: {},
      create: true,
    })
  ).initEncryptionKeys()
  bench(
    'openKeyring with a passphrase (PBKDF2-HMAC-SHA256, 600 000 iterations)',
    async () => {
      const store = new FileKeyStore(byPassphrase)
      const keyring = await openKeyring({
        store,
        passphrase: 'bench',
        env: {},
        refreshIntervalMs: 0,
      })
      await keyring.close()
    },
    { iterations: 5, time: 0 },
  )
})

/**
 * The seal lease: an instance that could not confirm its keyring for 3 × the longest refresh
 * interval in use stops sealing (and keeps decrypting), so a key rotated out elsewhere can be
 * retired after a bounded wait without losing what such an instance writes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { openKeyManager } from '../../../src/keyring/key-manager.js'
import { openKeyring, type Keyring } from '../../../src/keyring/keyring.js'
import type { KeyringOptions } from '../../../src/keyring/keyring-options.js'
import { MemoryKeyStore } from '../../../src/keyring/stores/memory-store.js'
import type { KeyStore } from '../../../src/keyring/types.js'
import { manualClock, masterKeyBase64 } from '../../helpers/keyring.js'

let opened: Keyring[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const keyring of opened) await keyring.close().catch(() => undefined)
  opened = []
})

async function open(options: Partial<KeyringOptions>): Promise<Keyring> {
  const keyring = await openKeyring({ env: {}, refreshIntervalMs: 0, ...options })
  opened.push(keyring)
  return keyring
}

/** A store whose loads can be made to fail, as an unreachable database would. */
function flakyStore(inner = new MemoryKeyStore()) {
  let down = false
  let loads = 0
  const store: KeyStore = {
    load: async () => {
      loads++
      if (down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
      return inner.load()
    },
    save: (doc, expected) => inner.save(doc, expected),
  }
  return {
    store,
    inner,
    loads: () => loads,
    setDown: (value: boolean) => void (down = value),
  }
}

const STALE = (kid: string) =>
  expect.objectContaining({ code: 'ERR_FIELDSEAL_KEYRING_STALE', kid, status: 503 })

describe('the seal lease', () => {
  it('an instance that cannot reload stops sealing after 3 × the refresh interval, keeps decrypting, and resumes', async () => {
    const clock = manualClock()
    const { store, setDown } = flakyStore()
    const errors: unknown[] = []
    const keyring = await open({
      store,
      masterKey: masterKeyBase64(),
      create: true,
      now: clock.now,
      onRefreshError: (e) => errors.push(e),
    })
    const fs = createFieldseal({ keyring })
    const kid = keyring.encryptionKey().kid
    const sealed = fs.encryptField('078-05-1120', { context: 'ssn' })
    setDown(true)
    clock.advanceDays(179 / 86_400) // 2 min 59 s: within the lease (3 min)
    fs.encryptField('still fine', { context: 'ssn' })
    clock.advanceDays(2 / 86_400)
    expect(() => fs.encryptField('x', { context: 'ssn' })).toThrow(STALE(kid))
    expect(() => fs.encryptFields({ ssn: 'x' })).toThrow(STALE(kid))
    expect(fs.decryptField(sealed, { context: 'ssn' })).toBe('078-05-1120')
    // The refusal names what went wrong with the reloads it started.
    await vi.waitFor(() => expect(errors).not.toHaveLength(0))
    expect(() => fs.encryptField('x', { context: 'ssn' })).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /not been able to reload its keyring for 3 min .*last reload: ECONNREFUSED/,
        ),
      }),
    )
    setDown(false)
    await keyring.refresh()
    expect(fs.decryptField(fs.encryptField('again', { context: 'ssn' }), { context: 'ssn' })).toBe(
      'again',
    )
  })

  it('sealing in the second half of the lease reloads, so a busy instance renews it without a timer', async () => {
    // The system clock itself moves (reloads started by sealing are throttled by it too).
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const { store, loads } = flakyStore()
      const keyring = await open({ store, masterKey: masterKeyBase64(), create: true })
      const fs = createFieldseal({ keyring })
      const before = loads()
      vi.setSystemTime(Date.now() + 60_000) // first half: no reload
      fs.encryptField('a')
      expect(loads()).toBe(before)
      for (let step = 1; step <= 10; step++) {
        vi.setSystemTime(Date.now() + 100_000) // past half the lease each time: 1000 s in all
        fs.encryptField('b')
        expect(loads()).toBe(before + 2 * step - 1) // sealing started a reload…
        await keyring.refresh() // …which a refresh waits for, then reloads once more itself
        expect(loads()).toBe(before + 2 * step)
      }
    } finally {
      vi.useRealTimers()
    }
  })

  it('after a master-key rewrap elsewhere, an instance left on the old key stops sealing (it used to keep it forever)', async () => {
    const clock = manualClock()
    const store = new MemoryKeyStore()
    const masterKey = masterKeyBase64()
    const errors: unknown[] = []
    const stale = await open({
      store,
      masterKey,
      create: true,
      now: clock.now,
      onRefreshError: (e) => errors.push(e),
    })
    const kid = stale.encryptionKey().kid
    const admin = await openKeyManager({ store, masterKey, env: {}, now: clock.now })
    await admin.rewrap({ masterKey: masterKeyBase64() })
    await admin.rotateKey('data')
    await expect(stale.refresh()).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_WRONG_MASTER_KEY' })
    clock.advanceDays(1 / 24)
    expect(() => createFieldseal({ keyring: stale }).encryptField('x')).toThrow(
      expect.objectContaining({
        code: 'ERR_FIELDSEAL_KEYRING_STALE',
        message: expect.stringContaining('ERR_FIELDSEAL_WRONG_MASTER_KEY'),
      }),
    )
    expect(kid).not.toBe(admin.getActiveKey('data')?.id)
  })

  it('a clock set back does not stretch the lease: the monotonic clock counts too', async () => {
    const keyring = await open({
      store: new MemoryKeyStore(),
      masterKey: masterKeyBase64(),
      create: true,
    })
    const fs = createFieldseal({ keyring })
    const start = performance.now()
    vi.spyOn(performance, 'now').mockReturnValue(start + 181_000)
    expect(() => fs.encryptField('x')).toThrow(STALE(keyring.encryptionKey().kid))
  })

  it('the keyring records the longest refresh interval in use; the lease and the retirement wait follow it', async () => {
    const clock = manualClock()
    const store = new MemoryKeyStore()
    const masterKey = masterKeyBase64()
    const base = { store, masterKey, now: clock.now }
    const quick = await open({ ...base, create: true, refreshIntervalMs: 5_000 })
    expect((await store.load())?.maxRefreshIntervalMs).toBe(60_000) // never below the default
    const slow = await open({ ...base, refreshIntervalMs: 600_000 })
    expect((await store.load())?.maxRefreshIntervalMs).toBe(600_000)
    await open({ ...base, refreshIntervalMs: 60_000 }) // does not lower it
    expect((await store.load())?.maxRefreshIntervalMs).toBe(600_000)
    // Every instance's lease is now 30 min, and so is the wait before retiring a rotated key.
    await quick.refresh()
    const old = quick.encryptionKey().kid
    await slow.manager.rotateKey('data')
    clock.advanceDays(29 / 1440)
    createFieldseal({ keyring: quick }).encryptField('x') // quick has not seen the rotation yet
    expect(slow.manager.drainedAt(old)).toBe('2030-01-01T00:31:00.000Z')
  })

  it('refuses a refresh interval the keyring document could not record (over a day)', async () => {
    await expect(
      open({
        store: new MemoryKeyStore(),
        masterKey: masterKeyBase64(),
        create: true,
        refreshIntervalMs: 86_400_001,
      }),
    ).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
    })
  })
})

import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { FieldsealEvent } from '../../../src/core/events.js'
import { decryptDocument } from '../../../src/core/field-ops.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { createKeyRefresher, type KeyRefresher } from '../../../src/http/key-refresh.js'
import type { FieldsealConfig } from '../../../src/core/options.js'

/** `refresher.run` as a promise. */
const runAsync = <T>(refresher: KeyRefresher, operation: (config: FieldsealConfig) => T) =>
  new Promise<T>((resolve, reject) => refresher.run(operation, resolve, reject))
import type { KeySource } from '../../../src/crypto/key-source.js'
import { staticKeySource } from '../../../src/crypto/static-keys.js'

const keyA = randomBytes(32).toString('base64')
const keyB = randomBytes(32).toString('base64')
const mode = { fields: undefined, everywhere: true, requireEncrypted: false, reencrypt: false }

/** A keyring that learns key B (rotated by "another instance") on its next refresh. */
function rotatingSetup(options: { reloadable?: boolean } = {}) {
  let current = staticKeySource([keyA])
  const source: KeySource & { refreshes: number } = {
    refreshes: 0,
    encryptionKey: () => current.encryptionKey(),
    decryptionKey: (kid) => current.decryptionKey(kid),
    legacyKeys: () => current.legacyKeys(),
  }
  if (options.reloadable !== false) {
    source.refresh = async () => {
      source.refreshes++
      current = staticKeySource([keyB, keyA])
    }
  }
  const events: FieldsealEvent[] = []
  const fs = createFieldseal({ keyring: source, onEvent: (event) => events.push(event) })
  const fromB = createFieldseal({ keys: [keyB] }).encryptField('secret', {
    context: 'ssn',
  }) as string
  const fromA = createFieldseal({ keys: [keyA] }).encryptField('old', { context: 'note' }) as string
  return { fs, source, events, fromB, fromA, config: fs.config }
}

describe('createKeyRefresher', () => {
  it('reloads keys once and retries when a value names an unknown key id', async () => {
    const { config, source, events, fromB } = rotatingSetup()
    const refresher = createKeyRefresher(config, 0)
    let attempts = 0
    const result = await runAsync(refresher, (current) => {
      attempts++
      return decryptDocument(current, { ssn: fromB }, mode)
    })
    expect(result).toEqual({ ssn: 'secret' })
    expect(attempts).toBe(2)
    expect(source.refreshes).toBe(1)
    expect(events).toEqual([]) // the first attempt's failure was a false alarm
  })

  it('reports the failure once when the retry fails too', async () => {
    const { config, events } = rotatingSetup()
    const foreign = createFieldseal({ keys: [randomBytes(32).toString('base64')] }).encryptField(
      'x',
      { context: 'ssn' },
    )
    const refresher = createKeyRefresher(config, 0)
    await expect(
      runAsync(refresher, (current) => decryptDocument(current, { ssn: foreign }, mode)),
    ).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_UNKNOWN_KEY',
      path: 'ssn',
    })
    expect(events).toEqual([
      expect.objectContaining({
        operation: 'decrypt',
        outcome: 'failure',
        path: 'ssn',
        code: 'ERR_FIELDSEAL_UNKNOWN_KEY',
      }),
    ])
  })

  it('does not retry without a reloadable key source, or for other errors', async () => {
    const { config, fromB } = rotatingSetup({ reloadable: false })
    let attempts = 0
    const refresher = createKeyRefresher(config, 0)
    await expect(
      runAsync(refresher, () => {
        attempts++
        return decryptDocument(config, { ssn: fromB }, mode)
      }),
    ).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_UNKNOWN_KEY' })
    expect(attempts).toBe(1)
    const reloadable = rotatingSetup()
    const other = createKeyRefresher(reloadable.config, 0)
    await expect(
      runAsync(other, (current) => decryptDocument(current, { ssn: 'enc:v1:k:bad' }, mode)),
    ).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_MALFORMED' })
    expect(reloadable.source.refreshes).toBe(0)
    expect(reloadable.events).toEqual([
      expect.objectContaining({ code: 'ERR_FIELDSEAL_MALFORMED' }),
    ])
  })

  it('spaces reloads by the interval, and shares one reload between concurrent requests', async () => {
    const { config, source, fromB, events } = rotatingSetup()
    const foreign = createFieldseal({ keys: [randomBytes(32).toString('base64')] }).encryptField(
      'x',
      { context: 'ssn' },
    )
    let now = 10_000
    const refresher = createKeyRefresher(config, 1000, () => now)
    const both = await Promise.allSettled([
      runAsync(refresher, (current) => decryptDocument(current, { ssn: foreign }, mode)),
      runAsync(refresher, (current) => decryptDocument(current, { ssn: fromB }, mode)),
    ])
    expect(both.map((result) => result.status)).toEqual(['rejected', 'fulfilled'])
    expect(source.refreshes).toBe(1)
    events.length = 0
    await expect(
      runAsync(refresher, (current) => decryptDocument(current, { ssn: foreign }, mode)),
    ).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_UNKNOWN_KEY' })
    expect(source.refreshes).toBe(1) // within the interval: no reload, and the failure is reported
    expect(events).toHaveLength(1)
    now += 1000
    await expect(
      runAsync(refresher, (current) => decryptDocument(current, { ssn: foreign }, mode)),
    ).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_UNKNOWN_KEY' })
    expect(source.refreshes).toBe(2)
  })

  it('calls done in the same tick when no reload is needed', () => {
    const { config, fromA } = rotatingSetup()
    const refresher = createKeyRefresher(config, 0)
    let value: unknown
    refresher.run(
      (current) => decryptDocument(current, { note: fromA }, mode),
      (result) => (value = result),
      () => {},
    )
    expect(value).toEqual({ note: 'old' })
  })

  it('passes a failing reload to fail', async () => {
    const { config, source, fromB } = rotatingSetup()
    source.refresh = async () => {
      throw new Error('store down')
    }
    const refresher = createKeyRefresher(config, 0)
    await expect(
      runAsync(refresher, (current) => decryptDocument(current, { ssn: fromB }, mode)),
    ).rejects.toThrow('store down')
  })
})

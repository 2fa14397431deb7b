import { describe, expect, it } from 'vitest'
import { FileKeyStore } from '../../../src/keyring/stores/file-store.js'
import {
  actorOption,
  resolveManagerOptions,
  ttlOption,
} from '../../../src/keyring/manager-options.js'
import { MemoryKeyStore } from '../../../src/keyring/stores/memory-store.js'
import { masterKeyBase64 } from '../../helpers/keyring.js'

const INVALID = expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' })

describe('key manager options', () => {
  it('defaults: TTL 90 days, actor "system", 20 retries; a path string means a FileKeyStore', () => {
    const config = resolveManagerOptions(
      { store: 'keys.json', env: { FIELDSEAL_MASTER_KEY: masterKeyBase64() } },
      'test',
    )
    expect(config).toMatchObject({ ttlDays: 90, actor: 'system', maxRetries: 20 })
    expect(config.store).toBeInstanceOf(FileKeyStore)
    expect(config.now()).toBeInstanceOf(Date)
  })

  it('refuses a store that is not one, and key plus passphrase', () => {
    const env = { FIELDSEAL_MASTER_KEY: masterKeyBase64() }
    expect(() => resolveManagerOptions({ store: {}, env }, 'test')).toThrow(INVALID)
    const both = { store: new MemoryKeyStore(), masterKey: masterKeyBase64(), passphrase: 'x', env }
    expect(() => resolveManagerOptions(both, 'test')).toThrow(INVALID)
  })

  it('ttlOption and actorOption accept what they document and nothing else', () => {
    expect(ttlOption(undefined, 90, 't')).toBe(90)
    expect(ttlOption(null, 90, 't')).toBeNull()
    expect(ttlOption(0.5, 90, 't')).toBe(0.5)
    for (const bad of [0, -1, Infinity, '9', 40_000])
      expect(() => ttlOption(bad, 90, 't')).toThrow(INVALID)
    expect(actorOption('ops@example.com', 'system', 't')).toBe('ops@example.com')
    for (const bad of ['', 'a\nb', 'x'.repeat(201), 7])
      expect(() => actorOption(bad, 'system', 't')).toThrow(INVALID)
  })
})

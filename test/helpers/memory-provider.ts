/**
 * The smallest honest {@link MasterKeyProvider}: an AES-256-GCM key in memory, the canonical
 * binding as AAD. A worked example for third-party providers and a stand-in for tests that need a
 * provider without a token or a server. It keeps the whole contract (test/unit/master-key/
 * memory-provider.test.ts runs the contract suite on it).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import {
  canonicalBinding,
  checkBytes,
  MAX_MATERIAL_LENGTH,
  MAX_WRAPPED_LENGTH,
} from '../../src/master-key/binding.js'
import { closedProvider, providerError } from '../../src/master-key/provider-error.js'
import type { KeyBinding, MasterKeyProvider, ProviderIdentity } from '../../src/master-key/types.js'

const IV = 12
const TAG = 16

export class MemoryProvider implements MasterKeyProvider {
  readonly identity: ProviderIdentity
  /** Calls made, to count provider round trips in tests. */
  calls = 0
  readonly #key: Buffer
  #closed = false

  constructor(name = 'test', key: Buffer = randomBytes(32)) {
    this.#key = key
    this.identity = Object.freeze({ kind: 'memory', name })
  }

  async wrap(material: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    const plaintext = checkBytes(material, 'material', MAX_MATERIAL_LENGTH)
    const aad = canonicalBinding(binding)
    this.#use()
    const iv = randomBytes(IV)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv).setAAD(aad)
    return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
  }

  async unwrap(wrapped: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    const sealed = checkBytes(wrapped, 'wrapped', MAX_WRAPPED_LENGTH)
    const aad = canonicalBinding(binding)
    this.#use()
    try {
      if (sealed.length <= IV + TAG) throw new Error('short')
      const decipher = createDecipheriv('aes-256-gcm', this.#key, sealed.subarray(0, IV)).setAAD(
        aad,
      )
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG))
      return Buffer.concat([
        decipher.update(sealed.subarray(IV, sealed.length - TAG)),
        decipher.final(),
      ])
    } catch {
      // Never keep the crypto error as the cause: say only what failed.
      throw providerError('memory', 'wrong-key', 'the wrapped key does not open under this key')
    }
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  #use(): void {
    if (this.#closed) throw closedProvider('memory')
    this.calls++
  }
}

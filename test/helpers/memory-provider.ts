/**
 * The smallest honest {@link MasterKeyProvider}: an AES-256-GCM key in memory, the canonical
 * binding as AAD (the local-key provider's wrapping, under the kind `memory` and a name). A
 * stand-in for tests that need a provider without a token or a server, which counts its calls.
 * It keeps the whole contract (test/unit/master-key/memory-provider.test.ts runs the contract
 * suite on it). docs/master-key-providers.md has a worked example of a provider of your own.
 */
import { randomBytes } from 'node:crypto'
import { LocalKeyProvider } from '../../src/master-key/local-key.js'
import type { KeyBinding, MasterKeyProvider, ProviderIdentity } from '../../src/master-key/types.js'

export class MemoryProvider implements MasterKeyProvider {
  readonly identity: ProviderIdentity
  /** Calls made, to count provider round trips in tests. */
  calls = 0
  readonly #key: LocalKeyProvider

  constructor(name = 'test', key: Buffer = randomBytes(32)) {
    this.#key = new LocalKeyProvider(key, { kind: 'memory', name })
    this.identity = this.#key.identity
  }

  async wrap(material: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    this.calls++
    return this.#key.wrap(material, binding)
  }

  async unwrap(wrapped: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    this.calls++
    return this.#key.unwrap(wrapped, binding)
  }

  close(): Promise<void> {
    return this.#key.close()
  }
}

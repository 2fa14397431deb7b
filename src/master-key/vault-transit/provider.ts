/**
 * Master key in HashiCorp Vault or OpenBao: the Transit secrets engine encrypts and decrypts the
 * data keys (`/v1/<mount>/encrypt/<key>`, `/decrypt/<key>`), over plain `fetch`.
 *
 * The binding goes in `associated_data`, which Transit authenticates with its AEAD key types.
 * `context` is not used: Transit reads it only for derived keys, as key-derivation input, and
 * would ignore it otherwise. Because Transit silently ignores `associated_data` for key types
 * that cannot carry it (RSA) and creates a missing key on encrypt ("upsert") when the token may,
 * the key's description is read once before the first call and anything but a non-derived AEAD
 * key is refused. The token therefore needs `read` on `<mount>/keys/<key>` besides `update` on
 * the encrypt and decrypt paths.
 *
 * @module
 */
import { decodeBase64Strict } from '../../crypto/base64.js'
import {
  canonicalBinding,
  checkBytes,
  MAX_MATERIAL_LENGTH,
  MAX_WRAPPED_LENGTH,
} from '../binding.js'
import { closedProvider, providerError } from '../provider-error.js'
import { readSecret } from '../secret-source.js'
import type { KeyBinding, MasterKeyProvider, ProviderIdentity } from '../types.js'
import { vaultCall, type VaultConnection } from './http.js'
import { checkVaultOptions, type VaultTransitOptions } from './options.js'

export type { VaultTransitOptions } from './options.js'

const PROVIDER = 'vault-transit'
const AEAD_KEY_TYPES = new Set([
  'aes128-gcm96',
  'aes256-gcm96',
  'chacha20-poly1305',
  'xchacha20-poly1305',
])
const CIPHERTEXT = /^vault:v[1-9][0-9]{0,9}:[A-Za-z0-9+/]+={0,2}$/

/**
 * A {@link MasterKeyProvider} backed by a Vault / OpenBao Transit key.
 *
 * @example
 * ```ts
 * const provider = await createVaultTransitProvider({ address: 'https://vault.internal:8200', key: 'fieldseal' })
 * // token from VAULT_TOKEN or VAULT_TOKEN_FILE, namespace from VAULT_NAMESPACE
 * ```
 */
export async function createVaultTransitProvider(
  options: Readonly<VaultTransitOptions>,
): Promise<MasterKeyProvider> {
  const config = checkVaultOptions(options)
  const token = await readSecret(
    PROVIDER,
    'Vault token',
    {
      value: config.token,
      file: config.tokenFile,
      envVar: 'VAULT_TOKEN',
      fileEnvVar: 'VAULT_TOKEN_FILE',
    },
    config.env,
  )
  return new VaultTransitProvider(config, token)
}

class VaultTransitProvider implements MasterKeyProvider {
  readonly identity: ProviderIdentity
  readonly #connection: VaultConnection
  readonly #abort = new AbortController()
  readonly #mount: string
  readonly #key: string
  #keyChecked: Promise<void> | undefined

  constructor(config: ReturnType<typeof checkVaultOptions>, token: string) {
    this.#mount = config.mount
    this.#key = config.key
    this.#connection = {
      address: config.address,
      token,
      namespace: config.namespace,
      timeoutMs: config.timeoutMs,
      retry: config.retry,
      signal: this.#abort.signal,
    }
    this.identity = Object.freeze({
      kind: PROVIDER,
      address: config.address,
      namespace: config.namespace ?? null,
      mount: config.mount,
      key: config.key,
    })
  }

  async wrap(material: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    const plaintext = checkBytes(material, 'material', MAX_MATERIAL_LENGTH).toString('base64')
    const aad = canonicalBinding(binding).toString('base64')
    await this.#checkKey()
    const body = await vaultCall(this.#connection, 'encrypt', this.#path('encrypt'), {
      plaintext,
      associated_data: aad,
    })
    const ciphertext = (body as { data?: { ciphertext?: unknown } }).data?.ciphertext
    if (typeof ciphertext !== 'string' || !CIPHERTEXT.test(ciphertext)) {
      throw providerError(PROVIDER, 'unavailable', 'encrypt: the answer holds no Vault ciphertext')
    }
    return Buffer.from(ciphertext, 'utf8')
  }

  async unwrap(wrapped: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    const ciphertext = checkBytes(wrapped, 'wrapped', MAX_WRAPPED_LENGTH).toString('latin1')
    const aad = canonicalBinding(binding).toString('base64')
    if (!CIPHERTEXT.test(ciphertext)) {
      throw providerError(
        PROVIDER,
        'wrong-key',
        'the wrapped key is not a Vault Transit ciphertext',
      )
    }
    await this.#checkKey()
    const body = await vaultCall(this.#connection, 'decrypt', this.#path('decrypt'), {
      ciphertext,
      associated_data: aad,
    })
    const plaintext = (body as { data?: { plaintext?: unknown } }).data?.plaintext
    const material = typeof plaintext === 'string' ? decodeBase64Strict(plaintext) : undefined
    if (material === undefined || material.length === 0) {
      throw providerError(PROVIDER, 'unavailable', 'decrypt: the answer holds no plaintext')
    }
    return new Uint8Array(material)
  }

  async close(): Promise<void> {
    this.#abort.abort()
  }

  #path(operation: 'encrypt' | 'decrypt' | 'keys'): string {
    return `${this.#mount}/${operation}/${encodeURIComponent(this.#key)}`
  }

  /** Once per provider, shared by concurrent callers; a failure is not cached. */
  #checkKey(): Promise<void> {
    if (this.#abort.signal.aborted) return Promise.reject(closedProvider(PROVIDER))
    this.#keyChecked ??= this.#readKey().catch((error: unknown) => {
      this.#keyChecked = undefined
      throw error
    })
    return this.#keyChecked
  }

  async #readKey(): Promise<void> {
    const body = await vaultCall(this.#connection, 'read key', this.#path('keys'))
    const data = (body as { data?: Record<string, unknown> }).data ?? {}
    const type = typeof data.type === 'string' ? data.type : 'unknown'
    if (!AEAD_KEY_TYPES.has(type)) {
      throw providerError(
        PROVIDER,
        'misconfigured',
        `key "${this.#key}" is of type ${type}, which cannot bind associated data; use aes256-gcm96`,
      )
    }
    if (data.derived === true || data.convergent_encryption === true) {
      throw providerError(
        PROVIDER,
        'misconfigured',
        `key "${this.#key}" is a derived key; use a key created without derivation`,
      )
    }
  }
}

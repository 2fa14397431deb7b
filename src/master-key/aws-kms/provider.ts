/**
 * Master key in AWS KMS: data keys are wrapped with `Encrypt` and opened with `Decrypt`, the
 * binding passed as the encryption context (so it shows in CloudTrail and key policies can
 * condition on it, e.g. `kms:EncryptionContext:keyring`).
 *
 * `Encrypt` rather than `GenerateDataKey`: a rewrap from another provider must wrap material that
 * already exists, so `Encrypt` is needed anyway, and the keyring then makes every data key the
 * same way whatever the provider. `Decrypt` always names the key, so a ciphertext made under
 * another key fails (`IncorrectKeyException`) instead of opening under whatever key it names.
 *
 * `@aws-sdk/client-kms` is an optional peer dependency, imported when the provider is created.
 * Region and credentials come from the SDK's usual chain unless given.
 *
 * @module
 */
import type { KMSClient } from '@aws-sdk/client-kms'
import { kmsError } from './errors.js'
import { checkKmsOptions, type AwsKmsOptions } from './options.js'
import { bindingRecord, checkBytes, MAX_MATERIAL_LENGTH, MAX_WRAPPED_LENGTH } from '../binding.js'
import { importOptional } from '../optional-import.js'
import { closedProvider, providerError } from '../provider-error.js'
import type { KeyBinding, MasterKeyProvider, ProviderIdentity } from '../types.js'

type KmsModule = typeof import('@aws-sdk/client-kms')

export type { AwsCredentials, AwsKmsOptions } from './options.js'

const PROVIDER = 'aws-kms'

/**
 * A {@link MasterKeyProvider} backed by a symmetric AWS KMS key.
 *
 * @example
 * ```ts
 * const provider = await createAwsKmsProvider({ keyId: 'alias/fieldseal', region: 'eu-west-1' })
 * ```
 */
export async function createAwsKmsProvider(
  options: Readonly<AwsKmsOptions>,
): Promise<MasterKeyProvider> {
  const {
    keyId,
    region: givenRegion,
    endpoint,
    credentials,
    maxAttempts,
    requestTimeout,
  } = checkKmsOptions(options)
  const kms = await importOptional<KmsModule>('@aws-sdk/client-kms', PROVIDER)
  const client = new kms.KMSClient({
    ...(givenRegion === undefined ? {} : { region: givenRegion }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
    maxAttempts,
    requestHandler: { requestTimeout, connectionTimeout: requestTimeout },
  })
  let region: string
  try {
    region = await client.config.region()
  } catch {
    client.destroy()
    throw providerError(PROVIDER, 'misconfigured', 'no AWS region: set AWS_REGION or pass region')
  }
  return new AwsKmsProvider(kms, client, keyId, region)
}

class AwsKmsProvider implements MasterKeyProvider {
  readonly identity: ProviderIdentity
  #closed = false

  constructor(
    private readonly kms: KmsModule,
    private readonly client: KMSClient,
    private readonly keyId: string,
    region: string,
  ) {
    this.identity = Object.freeze({ kind: PROVIDER, keyId, region })
  }

  async wrap(material: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    const plaintext = checkBytes(material, 'material', MAX_MATERIAL_LENGTH)
    const context = bindingRecord(binding)
    const command = new this.kms.EncryptCommand({
      KeyId: this.keyId,
      Plaintext: plaintext,
      EncryptionContext: context,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    })
    const output = await this.#call('Encrypt', () => this.client.send(command))
    if (!(output.CiphertextBlob instanceof Uint8Array) || output.CiphertextBlob.length === 0) {
      throw providerError(PROVIDER, 'unavailable', 'Encrypt: the answer holds no ciphertext')
    }
    return output.CiphertextBlob
  }

  async unwrap(wrapped: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    const blob = checkBytes(wrapped, 'wrapped', MAX_WRAPPED_LENGTH)
    const context = bindingRecord(binding)
    const command = new this.kms.DecryptCommand({
      KeyId: this.keyId,
      CiphertextBlob: blob,
      EncryptionContext: context,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    })
    const output = await this.#call('Decrypt', () => this.client.send(command))
    if (
      this.keyId.startsWith('arn:') &&
      this.keyId.includes(':key/') &&
      output.KeyId !== this.keyId
    ) {
      throw providerError(
        PROVIDER,
        'wrong-key',
        'Decrypt answered for another key than the one configured',
      )
    }
    if (!(output.Plaintext instanceof Uint8Array) || output.Plaintext.length === 0) {
      throw providerError(PROVIDER, 'unavailable', 'Decrypt: the answer holds no plaintext')
    }
    return Uint8Array.from(output.Plaintext)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.client.destroy()
  }

  async #call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    if (this.#closed) throw closedProvider(PROVIDER)
    try {
      return await send()
    } catch (error) {
      throw kmsError(operation, error)
    }
  }
}

/**
 * Master-key providers: the seam a keyring's master key sits behind, and its implementations —
 * a local key (`env`, `passphrase`), an HSM through PKCS#11, AWS KMS and Vault / OpenBao Transit.
 * A keyring takes one as `openKeyring({ masterKeyProvider })`, or a spec such as
 * `'aws-kms:alias/fieldseal'`. To write your own, implement {@link MasterKeyProvider} with the
 * helpers below (`canonicalBinding`, `checkBytes`, `providerError`) and run the contract suite
 * of the repository's `test/helpers/provider-contract.ts` on it (docs/master-key-providers.md).
 * Re-exports only.
 *
 * @module
 */
export {
  type AwsCredentials,
  type AwsKmsOptions,
  createAwsKmsProvider,
} from './aws-kms/provider.js'
export {
  bindingRecord,
  canonicalBinding,
  checkBinding,
  checkBytes,
  MAX_MATERIAL_LENGTH,
  MAX_WRAPPED_LENGTH,
} from './binding.js'
export {
  createLocalKeyProvider,
  createPassphraseProvider,
  LocalKeyProvider,
  type PassphraseProviderOptions,
} from './local-key.js'
export type { Pkcs11Mechanism } from './pkcs11/options.js'
export { createPkcs11Provider, generatePkcs11Key, type Pkcs11Options } from './pkcs11/provider.js'
export { formatPkcs11Uri, type Pkcs11Uri, parsePkcs11Uri } from './pkcs11/uri.js'
export { sealProviderCheck, unwrapVerified, verifyProviderCheck } from './provider-check.js'
export { closedProvider, type ProviderFailure, providerError } from './provider-error.js'
export {
  createProviderFromSpec,
  MASTER_PROVIDER_ENV_VAR,
  type MasterKeySpec,
  parseMasterKeySpec,
} from './spec.js'
export type { KeyBinding, MasterKeyProvider, ProviderIdentity } from './types.js'
export { createVaultTransitProvider, type VaultTransitOptions } from './vault-transit/provider.js'

/**
 * Master-key providers: the seam and its implementations. Not yet part of the package's entry
 * points; the keyring will take a provider when it is wired in.
 *
 * @module
 */
export type { KeyBinding, MasterKeyProvider, ProviderIdentity } from './types.js'
export { canonicalBinding, checkBinding } from './binding.js'
export { sealProviderCheck, unwrapVerified, verifyProviderCheck } from './provider-check.js'
export {
  createAwsKmsProvider,
  type AwsCredentials,
  type AwsKmsOptions,
} from './aws-kms/provider.js'
export { createPkcs11Provider, generatePkcs11Key, type Pkcs11Options } from './pkcs11/provider.js'
export type { Pkcs11Mechanism } from './pkcs11/key.js'
export { formatPkcs11Uri, parsePkcs11Uri, type Pkcs11Uri } from './pkcs11/uri.js'
export { createVaultTransitProvider, type VaultTransitOptions } from './vault-transit/provider.js'

/**
 * The persisted keyring (`fieldseal/keyring`): key manager, key stores, the keyring key source,
 * and the master-key providers it takes (`../master-key/index.ts`: the seam, a local key,
 * PKCS#11, AWS KMS, Vault Transit, and the helpers for writing a provider). Re-exports only.
 *
 * @module
 */
export { assertKeyringDocument } from './stores/document-check.js'
export { FileKeyStore, type FileKeyStoreOptions } from './stores/file-store.js'
export type { KeyInfo, KeyMetadataExport, ListKeysFilter } from './key-info.js'
export { KEY_STATUSES, KEY_TYPES, STORED_KEY_TYPES } from './key-lifecycle.js'
export { KeyManager, openKeyManager } from './key-manager.js'
export type { KeyQueries } from './key-queries.js'
export type { KeyUsageLike } from './key-lifecycle.js'
export { Keyring, openKeyring } from './keyring.js'
export {
  DEFAULT_REFRESH_INTERVAL_MS,
  DEFAULT_USAGE_WARNING_THRESHOLD,
  type KeyringOptions,
} from './keyring-options.js'
export { DEFAULT_TTL_DAYS, KEYSTORE_ENV_VAR, type KeyManagerOptions } from './manager-options.js'
export type {
  GenerateKeyOptions,
  KeyActionOptions,
  ImportKeysOptions,
  InitKeysOptions,
  RetireKeyOptions,
  RewrapOptions,
  RotateKeyOptions,
} from './manager-options.js'
export {
  MASTER_KEY_ENV_VAR,
  MASTER_PASSPHRASE_ENV_VAR,
  MIN_PBKDF2_ITERATIONS,
  type MasterKeyInput,
} from './master-key-input.js'
export * from '../master-key/index.js'
export { MemoryKeyStore } from './stores/memory-store.js'
export { PostgresKeyStore, type PostgresKeyStoreOptions } from './stores/postgres-store.js'
export type {
  KeyRecord,
  KeyringDocument,
  KeyStatus,
  KeyStore,
  KeyType,
  LegacyMasterKeyInfo,
  MasterKeyInfo,
  ProviderMasterKeyInfo,
  StoreWatch,
  StoreWatcher,
} from './types.js'

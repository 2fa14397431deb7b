/**
 * `fieldseal`: the everyday API — an instance that encrypts and decrypts fields
 * (`createFieldseal`), the cipher, masking, blind indexes and the one error class. Everything
 * else has an entry point of its own, by audience:
 *
 * - `fieldseal/keyring`: the persisted keyring, the key manager, key stores, master-key providers;
 * - `fieldseal/migrate`: key usage reports and re-encryption of records, NDJSON and tables;
 * - `fieldseal/express`, `fieldseal/koa`, `fieldseal/fastify`: the middleware;
 * - `fieldseal/http`: the framework-agnostic pipeline, the seam for other frameworks;
 * - `fieldseal/reference`: the reference design's helpers, for a migration from it.
 *
 * @module
 */
export {
  createFieldseal,
  type Fieldseal,
  type FieldsOptions,
  type FieldValueOptions,
} from './core/fieldseal.js'
export type { FieldPaths, FieldSpec, FieldsealOptions } from './core/options.js'
export type { PolicyOptions } from './core/policy.js'
export type { EventHook, FieldsealEvent, FieldsealOperation } from './core/events.js'
export {
  defineEncryptedProperties,
  encrypted,
  sealedFields,
  type EncryptedPropertyOptions,
} from './core/encrypted-property.js'
export {
  AesGcmCipher,
  DEFAULT_PBKDF2_ITERATIONS,
  KEY_LENGTH,
  type AesGcmCipherOptions,
  type BytesLike,
  type DeriveKeyOptions,
} from './crypto/aes-gcm.js'
export { ENCRYPTED_PREFIX, isEncrypted, KID_PATTERN, V1_PREFIX } from './crypto/envelope.js'
export type { DataKey, FieldCipher, KeySource } from './crypto/key-source.js'
export { KEYS_ENV_VAR, keyFingerprint, staticKeySource } from './crypto/static-keys.js'
export {
  FIELDSEAL_ERROR_CODES,
  FieldsealError,
  httpStatusFor,
  isFieldsealError,
  type FieldsealErrorCode,
  type FieldsealErrorDetails,
} from './errors.js'
export {
  createMasker,
  maskDocument,
  type Censor,
  type Masker,
  type MaskOptions,
  type MaskRule,
} from './mask/masker.js'
export { DEFAULT_CENSOR } from './mask/reference.js'
export { MASK_RULE_NAMES, type MaskRuleName } from './mask/rules.js'
export { isLuhnValid, looksLikeCardNumber, looksLikeSsn } from './mask/detect.js'
export {
  BLIND_INDEX_KEY_ENV_VAR,
  BlindIndexKey,
  blindIndex,
  createBlindIndexKey,
  DEFAULT_MAX_INDEXED_LENGTH,
  normalizeForBlindIndex,
  type BlindIndexOptions,
} from './blind-index/blind-index.js'

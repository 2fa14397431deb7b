/**
 * fieldseal: field-level encryption, key management and response masking for Node.js APIs.
 *
 * @module
 */
export {
  AesGcmCipher,
  DEFAULT_PBKDF2_ITERATIONS,
  KEY_LENGTH,
  REFERENCE_PBKDF2_ITERATIONS,
  SALT_LENGTH,
  TAG_LENGTH,
  type BytesLike,
  type DeriveKeyOptions,
} from './aes-gcm.js'
export { ENCRYPTED_PREFIX, isEncrypted, KID_PATTERN, V1_PREFIX } from './envelope.js'
export {
  FIELDSEAL_ERROR_CODES,
  FieldsealError,
  httpStatusFor,
  isFieldsealError,
  type FieldsealErrorCode,
  type FieldsealErrorDetails,
} from './errors.js'
export type { EventHook, FieldsealEvent, FieldsealOperation } from './events.js'
export { createFieldseal, type Fieldseal, type FieldValueOptions } from './fieldseal.js'
export type { DataKey, FieldCipher, KeySource } from './key-source.js'
export type { FieldPaths, FieldSpec, FieldsealOptions } from './options.js'
export {
  createFieldPolicy,
  ENCRYPTED_FIELDS,
  FINANCIAL_FIELDS,
  normalizeFieldName,
  PII_FIELDS,
  type PolicyOptions,
} from './policy.js'
export { KEYS_ENV_VAR, keyFingerprint, staticKeySource } from './static-keys.js'

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
export {
  createFieldseal,
  type Fieldseal,
  type FieldsOptions,
  type FieldValueOptions,
} from './fieldseal.js'
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
export { defineEncryptedProperties, encrypted, sealedFields, type EncryptedPropertyOptions } from './encrypted-property.js'
export { DEFAULT_CENSOR, maskDict, maskEmail, maskField, maskPhone } from './mask.js'
export { MASK_RULE_NAMES, REFERENCE_MASK_RULES, type MaskRuleName } from './mask-rules.js'
export { createMasker, maskFields, type Censor, type Masker, type MaskOptions, type MaskRule } from './masker.js'
export { isLuhnValid, looksLikeCardNumber, looksLikeSsn } from './detect.js'
export {
  BLIND_INDEX_KEY_ENV_VAR,
  BlindIndexKey,
  blindIndex,
  blindIndexKeyFromEnv,
  createBlindIndexKey,
  type BlindIndexOptions,
  DEFAULT_MAX_INDEXED_LENGTH,
  normalizeForBlindIndex,
} from './blind-index.js'
export { keyUsage, type KeyUsageOptions, type KeyUsageReport, type RecordSource } from './key-usage.js'
export {
  reencryptRecords,
  type ReencryptProgress,
  type ReencryptRecordsOptions,
  type ReencryptResult,
} from './reencrypt-batch.js'
export { RECORD_ERROR_CODES } from './reencrypt-record.js'
export {
  reencryptTable,
  type ReencryptTableOptions,
  type RowFailure,
  type TableProgress,
} from './reencrypt-table.js'
export {
  readNdjson,
  writeNdjson,
  type NdjsonLine,
  type NdjsonSink,
  type NdjsonSource,
  type ReadNdjsonOptions,
} from './ndjson.js'
export type { PgConnection, PgPool, PgQueryable } from './postgres-sql.js'
export {
  createHttpPipeline,
  createRouteMask,
  useRouteMask,
  type HttpPipeline,
  type HttpRequestInput,
  type HttpRequestResult,
} from './http/pipeline.js'
export type { FieldsealMiddlewareOptions, ResponseMaskOptions } from './http/http-options.js'
export type { ErrorHandlerOptions } from './http/error-handler-options.js'
export { bodyParserError } from './http/body-errors.js'
export type { FieldsealRequest } from './http/request-state.js'
export { isRequestDataError, PROBLEM_CONTENT_TYPE, problemDetails, type ProblemDetails } from './http/problem.js'
export * from './keyring/index.js'

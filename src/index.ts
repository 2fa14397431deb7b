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
} from './crypto/aes-gcm.js'
export { ENCRYPTED_PREFIX, isEncrypted, KID_PATTERN, V1_PREFIX } from './crypto/envelope.js'
export {
  FIELDSEAL_ERROR_CODES,
  FieldsealError,
  httpStatusFor,
  isFieldsealError,
  type FieldsealErrorCode,
  type FieldsealErrorDetails,
} from './errors.js'
export type { EventHook, FieldsealEvent, FieldsealOperation } from './core/events.js'
export {
  createFieldseal,
  type Fieldseal,
  type FieldsOptions,
  type FieldValueOptions,
} from './core/fieldseal.js'
export type { DataKey, FieldCipher, KeySource } from './crypto/key-source.js'
export type { FieldPaths, FieldSpec, FieldsealOptions } from './core/options.js'
export {
  createFieldPolicy,
  ENCRYPTED_FIELDS,
  FINANCIAL_FIELDS,
  normalizeFieldName,
  PII_FIELDS,
  type PolicyOptions,
} from './core/policy.js'
export { KEYS_ENV_VAR, keyFingerprint, staticKeySource } from './crypto/static-keys.js'
export {
  defineEncryptedProperties,
  encrypted,
  sealedFields,
  type EncryptedPropertyOptions,
} from './core/encrypted-property.js'
export { DEFAULT_CENSOR, maskDict, maskEmail, maskField, maskPhone } from './mask/reference.js'
export { MASK_RULE_NAMES, REFERENCE_MASK_RULES, type MaskRuleName } from './mask/rules.js'
export {
  createMasker,
  maskDocument,
  type Censor,
  type Masker,
  type MaskOptions,
  type MaskRule,
} from './mask/masker.js'
export { isLuhnValid, looksLikeCardNumber, looksLikeSsn } from './mask/detect.js'
export {
  BLIND_INDEX_KEY_ENV_VAR,
  BlindIndexKey,
  blindIndex,
  blindIndexKeyFromEnv,
  createBlindIndexKey,
  type BlindIndexOptions,
  DEFAULT_MAX_INDEXED_LENGTH,
  normalizeForBlindIndex,
} from './blind-index/blind-index.js'
export {
  keyUsage,
  type KeyUsageOptions,
  type KeyUsageReport,
  type RecordSource,
} from './migrate/key-usage.js'
export {
  reencryptRecords,
  type ReencryptProgress,
  type ReencryptRecordsOptions,
  type ReencryptResult,
} from './migrate/reencrypt-batch.js'
export { RECORD_ERROR_CODES } from './migrate/reencrypt-record.js'
export {
  reencryptTable,
  type ReencryptTableOptions,
  type RowFailure,
  type TableProgress,
} from './migrate/reencrypt-table.js'
export {
  readNdjson,
  writeNdjson,
  type NdjsonLine,
  type NdjsonSink,
  type NdjsonSource,
  type ReadNdjsonOptions,
} from './migrate/ndjson.js'
export type { PgConnection, PgPool, PgQueryable } from './postgres/sql.js'
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
export {
  isRequestDataError,
  PROBLEM_CONTENT_TYPE,
  problemDetails,
  type ProblemDetails,
} from './http/problem.js'
export * from './keyring/index.js'

/**
 * `fieldseal/reference`: the reference design's helpers under their camelCase names, for code
 * migrating from it — `mask_field`, `mask_email`, `mask_phone`, `FieldMasker.mask_dict` and its
 * rules, the field sets and policy of `should_encrypt_field`, and the PBKDF2 iteration count its
 * keys were derived with. Results equal the reference's (test/fixtures/masking.json), with its
 * flaws fixed (docs/reference-design.md). Re-exports only: the code lives
 * where fieldseal's own API uses it (src/mask, src/core/policy.ts, src/crypto).
 *
 * @module
 */
export { DEFAULT_CENSOR, maskDict, maskEmail, maskField, maskPhone } from '../mask/reference.js'
export { REFERENCE_MASK_RULES } from '../mask/rules.js'
export {
  createFieldPolicy,
  ENCRYPTED_FIELDS,
  FINANCIAL_FIELDS,
  normalizeFieldName,
  PII_FIELDS,
  type PolicyOptions,
} from '../core/policy.js'
export { REFERENCE_PBKDF2_ITERATIONS } from '../crypto/aes-gcm.js'

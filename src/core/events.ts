/**
 * Audit events. fieldseal reports what it did — operation, field path, key id, outcome — to a
 * hook of yours; an event never carries a plaintext, a ciphertext or key material.
 *
 * @module
 */
import type { FieldsealErrorCode } from '../errors.js'

/** What an event reports. */
export type FieldsealOperation =
  | 'encrypt'
  | 'decrypt'
  | 'reencrypt'
  | 'legacy-plaintext'
  | 'legacy-format'
  | 'key.generate'
  | 'key.rotate'
  | 'key.retire'
  | 'key.deactivate'
  | 'key.reactivate'
  | 'key.import'
  | 'key.rewrap'
  | 'key.expired'
  | 'key.usage-warning'
  | 'keyring.refresh'

/**
 * One audit event.
 *
 * @example
 * ```ts
 * createFieldseal({ onEvent: (event) => log.info(event, 'fieldseal') })
 * // { operation: 'decrypt', outcome: 'failure', path: 'ssn', kid: 'Xk3v9_Qa1Bc', code: 'ERR_FIELDSEAL_DECRYPT_FAILED' }
 * ```
 */
export interface FieldsealEvent {
  readonly operation: FieldsealOperation
  /** `allowed` marks something let through by configuration, such as legacy plaintext. */
  readonly outcome: 'success' | 'failure' | 'allowed' | 'warning'
  /** Field path, for a single field. */
  readonly path?: string
  /** Field paths, for a batch (one encryption call over a document). */
  readonly paths?: readonly string[]
  /** Key id used or named. */
  readonly kid?: string
  /** Error code, for failures. */
  readonly code?: FieldsealErrorCode
  /** How many values a batch touched, or a key's encryption count. */
  readonly count?: number
  /** Key type, version and actor, for key operations. */
  readonly keyType?: string
  readonly version?: number
  readonly actor?: string
}

/** Receives audit events. Exceptions it throws propagate to the operation that emitted. */
export type EventHook = (event: FieldsealEvent) => void

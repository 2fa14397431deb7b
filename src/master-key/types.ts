/**
 * The master-key provider seam: where a keyring's data keys get wrapped and unwrapped by a key
 * that lives elsewhere (an HSM through PKCS#11, AWS KMS, Vault Transit, or a local key).
 *
 * A provider is called only when a keyring is opened, created, rotated or rewrapped; field
 * encryption never calls out. Every wrap is bound to the key record it belongs to through a
 * {@link KeyBinding}, which the provider turns into associated data (or an encryption context),
 * so a wrapped key moved to another record does not open.
 *
 * @module
 */

/**
 * What a wrapped key is bound to: short name/value pairs describing the key record (key id,
 * type, version, creation time, keyring name…). Order does not matter; every pair must match
 * on unwrap. Names are `[A-Za-z][A-Za-z0-9_.-]{0,63}` and may not start with `aws` (reserved
 * by AWS KMS); values are 1–512 printable characters. Never put a secret in a binding: KMS logs
 * it (CloudTrail) and HSMs may too.
 *
 * @example
 * ```ts
 * const binding: KeyBinding = { keyId: 'k-2026-01', type: 'data', version: '3', keyring: 'billing' }
 * ```
 */
export type KeyBinding = Readonly<Record<string, string>>

/**
 * Who holds the master key, as stored in the keyring document: plain JSON, never a secret
 * (no PIN, token, credential or key material). `kind` names the provider; the other fields
 * locate the key (a `pkcs11:` URI without its PIN source, a KMS key ARN or alias, a Vault
 * address, namespace, mount and key name).
 *
 * @example
 * ```ts
 * const identity: ProviderIdentity = { kind: 'aws-kms', keyId: 'alias/fieldseal', region: 'eu-west-1' }
 * ```
 */
export interface ProviderIdentity {
  readonly kind: string
  readonly [field: string]: string | number | boolean | null
}

/**
 * A key-encryption key held by something else. Implementations are async and safe to call
 * concurrently; they throw `FieldsealError`s with these codes:
 * - `ERR_FIELDSEAL_WRONG_MASTER_KEY`: the wrapped bytes do not open (another key, another
 *   provider, another binding, or altered bytes), or the key is not the one the identity names;
 * - `ERR_FIELDSEAL_PROVIDER_DENIED`: wrong PIN, credentials or policy;
 * - `ERR_FIELDSEAL_PROVIDER_UNAVAILABLE`: unreachable, throttled after retries, timed out,
 *   token absent, key disabled, or the provider was closed;
 * - `ERR_FIELDSEAL_PROVIDER_MISCONFIGURED`: missing package, module, PIN or token, or a key
 *   that does not exist or is unfit.
 * Messages name the provider and what failed, never a secret. Wrong argument types (material
 * that is not a `Uint8Array`, a malformed binding) are `TypeError`s.
 *
 * @example
 * ```ts
 * const material = new Uint8Array(32)
 * const wrapped = await provider.wrap(material, { keyId: 'k1', type: 'data' })
 * const again = await provider.unwrap(wrapped, { keyId: 'k1', type: 'data' }) // same bytes
 * await provider.close()
 * ```
 */
export interface MasterKeyProvider {
  /** Stored in the keyring document to tell which key wrapped its keys. */
  readonly identity: ProviderIdentity
  /** Wraps 1–4096 bytes of key material, bound to `binding`. Each call uses a fresh IV. */
  wrap(material: Uint8Array, binding: KeyBinding): Promise<Uint8Array>
  /** Opens what {@link wrap} returned for the same `binding`; anything else throws. */
  unwrap(wrapped: Uint8Array, binding: KeyBinding): Promise<Uint8Array>
  /** Releases sessions and connections; later calls throw. Safe to call twice. */
  close(): Promise<void>
}

/**
 * Telling "this is the wrong key or provider" from "this store is corrupt" when a keyring opens
 * under a provider. An AEAD cannot tell them apart for one ciphertext, so the keyring keeps one
 * known value wrapped by the provider (the check) beside its key records:
 *
 * - the check does not open: the provider or its key is not the one the keyring was sealed
 *   with → `ERR_FIELDSEAL_WRONG_MASTER_KEY`;
 * - the check opens but a key record does not: the record was altered or moved →
 *   `ERR_FIELDSEAL_STORE_CORRUPT`, naming the key id.
 *
 * The check's binding is the keyring's own binding plus `purpose: keyring-check`, so a wrapped
 * key record can never pass for the check, nor the check for a record (records carry no
 * `purpose`, or another one).
 *
 * @module
 */
import { timingSafeEqual } from 'node:crypto'
import { FieldsealError, isFieldsealError } from '../errors.js'
import type { KeyBinding, MasterKeyProvider } from './types.js'

const CHECK_PLAINTEXT = Buffer.from('fieldseal master key provider check v1', 'utf8')

function checkBindingOf(keyring: KeyBinding): KeyBinding {
  if (typeof keyring === 'object' && keyring !== null && 'purpose' in keyring) {
    throw new TypeError('the keyring binding must not name a purpose; the check adds its own')
  }
  return { ...keyring, purpose: 'keyring-check' }
}

function wrongKey(provider: MasterKeyProvider): FieldsealError {
  return new FieldsealError(
    'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    `${provider.identity.kind}: the provider's key does not open the keyring's check value`,
  )
}

/**
 * Wraps the check value for a new keyring (or after a rewrap to another provider).
 *
 * @example
 * ```ts
 * const check = await sealProviderCheck(provider, { keyring: 'billing' })
 * ```
 */
export async function sealProviderCheck(
  provider: MasterKeyProvider,
  keyring: KeyBinding,
): Promise<Uint8Array> {
  return provider.wrap(CHECK_PLAINTEXT, checkBindingOf(keyring))
}

/**
 * Opens the check: resolves when the provider holds the keyring's key, throws
 * `ERR_FIELDSEAL_WRONG_MASTER_KEY` when it does not; other provider errors (denied, unavailable,
 * misconfigured) pass through unchanged.
 *
 * @example
 * ```ts
 * const check = await sealProviderCheck(provider, { keyring: 'billing' }) // stored with the keyring
 * await verifyProviderCheck(provider, check, { keyring: 'billing' })
 * ```
 */
export async function verifyProviderCheck(
  provider: MasterKeyProvider,
  check: Uint8Array,
  keyring: KeyBinding,
): Promise<void> {
  let opened: Uint8Array
  try {
    opened = await provider.unwrap(check, checkBindingOf(keyring))
  } catch (error) {
    if (isFieldsealError(error, 'ERR_FIELDSEAL_WRONG_MASTER_KEY')) throw wrongKey(provider)
    throw error
  }
  const same = opened.length === CHECK_PLAINTEXT.length && timingSafeEqual(opened, CHECK_PLAINTEXT)
  if (!same) throw wrongKey(provider)
}

/**
 * Unwraps a key record's material once the check has opened: a record that does not open then is
 * `ERR_FIELDSEAL_STORE_CORRUPT` naming `kid`, not a wrong key.
 *
 * @example
 * ```ts
 * const wrapped = await provider.wrap(new Uint8Array(32), { keyId: 'k1', type: 'data' })
 * const material = await unwrapVerified(provider, wrapped, { keyId: 'k1', type: 'data' }, 'k1')
 * ```
 */
export async function unwrapVerified(
  provider: MasterKeyProvider,
  wrapped: Uint8Array,
  binding: KeyBinding,
  kid: string,
): Promise<Uint8Array> {
  try {
    return await provider.unwrap(wrapped, binding)
  } catch (error) {
    if (!isFieldsealError(error, 'ERR_FIELDSEAL_WRONG_MASTER_KEY')) throw error
    throw new FieldsealError(
      'ERR_FIELDSEAL_STORE_CORRUPT',
      `the wrapped material of key "${kid}" does not open although the provider's check does`,
      { kid },
    )
  }
}

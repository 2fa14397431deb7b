/**
 * Wrapping key material with a key that never leaves the token, in one of two formats, told
 * apart by their first byte (which is also authenticated):
 *
 * - `0x01` AES-GCM (`CKM_AES_GCM`, v2.40 §2.11.4): `0x01 ‖ IV(12) ‖ ciphertext ‖ tag(16)`, a fresh
 *   random 96-bit IV per wrap, AAD = `0x01 ‖ canonical binding`. The preferred format.
 * - `0x02` AES key wrap with padding (`CKM_AES_KEY_WRAP_PAD`, RFC 5649) for tokens without
 *   AES-GCM encryption, the binding checked through a digest inside the wrap (see kwp.ts).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { canonicalBinding } from '../binding.js'
import { providerError } from '../provider-error.js'
import { pkcs11Error } from './errors.js'
import { kwpUnwrap, kwpWrap, type WrapContext } from './kwp.js'
import type { Pkcs11Js } from './library.js'
import type { Pkcs11Mechanism } from './key.js'
import type { KeyBinding } from '../types.js'

export type { WrapContext } from './kwp.js'

const FORMAT_GCM = 0x01
const FORMAT_KWP = 0x02
const IV_LENGTH = 12
const TAG_LENGTH = 16

function aad(format: number, binding: KeyBinding): Buffer {
  return Buffer.concat([Buffer.from([format]), canonicalBinding(binding)])
}

function gcmMechanism(js: Pkcs11Js, iv: Buffer, additionalData: Buffer) {
  return {
    mechanism: js.CKM_AES_GCM,
    parameter: {
      type: js.CK_PARAMS_AES_GCM,
      iv,
      aad: additionalData,
      ivBits: IV_LENGTH * 8,
      tagBits: TAG_LENGTH * 8,
    },
  }
}

/**
 * Wraps `material` in the given format.
 *
 * @example
 * ```ts
 * const wrapped = await wrapMaterial(context, 'aes-gcm', material, { keyId: 'k1' })
 * ```
 */
export async function wrapMaterial(
  c: WrapContext,
  mechanism: Pkcs11Mechanism,
  material: Buffer,
  binding: KeyBinding,
): Promise<Buffer> {
  if (mechanism === 'aes-gcm') {
    const iv = randomBytes(IV_LENGTH)
    const additionalData = aad(FORMAT_GCM, binding)
    try {
      c.pkcs11.C_EncryptInit(c.session, gcmMechanism(c.js, iv, additionalData), c.key)
      const sealed = await c.pkcs11.C_EncryptAsync(
        c.session,
        material,
        Buffer.alloc(material.length + TAG_LENGTH),
      )
      return Buffer.concat([Buffer.from([FORMAT_GCM]), iv, sealed])
    } catch (error) {
      throw pkcs11Error('C_Encrypt (AES-GCM)', error)
    }
  }
  return Buffer.concat([
    Buffer.from([FORMAT_KWP]),
    await kwpWrap(c, material, aad(FORMAT_KWP, binding)),
  ])
}

/**
 * The mechanism a wrapped value needs, from its first byte; anything else is not ours.
 *
 * @example
 * ```ts
 * formatOf(wrapped) // 'aes-gcm'
 * ```
 */
export function formatOf(wrapped: Buffer): Pkcs11Mechanism {
  if (wrapped[0] === FORMAT_GCM && wrapped.length > 1 + IV_LENGTH + TAG_LENGTH) return 'aes-gcm'
  if (wrapped[0] === FORMAT_KWP && wrapped.length >= 1 + 16) return 'aes-kwp'
  throw providerError(
    'pkcs11',
    'wrong-key',
    'the wrapped key is not a PKCS#11 wrap of this provider',
  )
}

/**
 * Opens what {@link wrapMaterial} made; a wrong key, binding or altered byte is
 * `ERR_FIELDSEAL_WRONG_MASTER_KEY`.
 *
 * @example
 * ```ts
 * const material = await unwrapMaterial(context, wrapped, { keyId: 'k1' })
 * ```
 */
export async function unwrapMaterial(
  c: WrapContext,
  wrapped: Buffer,
  binding: KeyBinding,
): Promise<Buffer> {
  if (formatOf(wrapped) === 'aes-gcm') {
    const iv = wrapped.subarray(1, 1 + IV_LENGTH)
    const sealed = wrapped.subarray(1 + IV_LENGTH)
    try {
      c.pkcs11.C_DecryptInit(c.session, gcmMechanism(c.js, iv, aad(FORMAT_GCM, binding)), c.key)
    } catch (error) {
      throw pkcs11Error('C_DecryptInit (AES-GCM)', error)
    }
    try {
      return Buffer.from(
        await c.pkcs11.C_DecryptAsync(c.session, sealed, Buffer.alloc(sealed.length)),
      )
    } catch (error) {
      throw pkcs11Error('C_Decrypt (AES-GCM)', error, true)
    }
  }
  return kwpUnwrap(c, wrapped.subarray(1), aad(FORMAT_KWP, binding))
}

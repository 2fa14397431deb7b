/**
 * Wrapping key material with a key that never leaves the token, in one of two formats, told
 * apart by their first byte (which is also authenticated):
 *
 * - `0x01` AES-GCM (`CKM_AES_GCM`, v2.40 §2.11.4): `0x01 ‖ IV(12) ‖ ciphertext ‖ tag(16)`, a fresh
 *   random 96-bit IV per wrap, AAD = `0x01 ‖ canonical binding`. The preferred format.
 * - `0x02` AES key wrap with padding (`CKM_AES_KEY_WRAP_PAD`, RFC 5649), for tokens without
 *   AES-GCM encryption: `0x02 ‖ KWP(length(2) ‖ material ‖ zeros ‖ SHA-256(0x02 ‖ canonical
 *   binding))`. KWP has no associated data, so the binding's digest is wrapped with the material
 *   and compared on unwrap. The zeros make the wrapped value a multiple of 8 bytes, so that the
 *   token never pads: SoftHSM 2.6 returns the padded value from an unwrap. KWP wraps only key
 *   objects, so the value goes through a short-lived session object (`CKA_TOKEN` false),
 *   destroyed right after. KWP is deterministic: the same material and binding give the same
 *   bytes.
 *
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { canonicalBinding } from './binding.js'
import { providerError } from './provider-error.js'
import { pkcs11Error } from './pkcs11-errors.js'
import type { Pkcs11, Pkcs11Js } from './pkcs11-library.js'
import type { Pkcs11Mechanism } from './pkcs11-token.js'
import type { KeyBinding } from './types.js'

type Handle = Buffer

const FORMAT_GCM = 0x01
const FORMAT_KWP = 0x02
const IV_LENGTH = 12
const TAG_LENGTH = 16
const DIGEST_LENGTH = 32

/** A logged-in session and the token key, used by one call at a time. */
export interface WrapContext {
  readonly js: Pkcs11Js
  readonly pkcs11: Pkcs11
  readonly session: Handle
  readonly key: Handle
}

function aad(format: number, binding: KeyBinding): Buffer {
  return Buffer.concat([Buffer.from([format]), canonicalBinding(binding)])
}

/** A generic secret that lives in this session only and whose value can be read back. */
function sessionSecret(js: Pkcs11Js) {
  return [
    { type: js.CKA_CLASS, value: js.CKO_SECRET_KEY },
    { type: js.CKA_KEY_TYPE, value: js.CKK_GENERIC_SECRET },
    { type: js.CKA_TOKEN, value: false },
    { type: js.CKA_PRIVATE, value: true },
    { type: js.CKA_SENSITIVE, value: false },
    { type: js.CKA_EXTRACTABLE, value: true },
  ]
}

function gcmMechanism(js: Pkcs11Js, iv: Buffer, additionalData: Buffer) {
  return {
    mechanism: js.CKM_AES_GCM,
    parameter: { type: js.CK_PARAMS_AES_GCM, iv, aad: additionalData, ivBits: IV_LENGTH * 8, tagBits: TAG_LENGTH * 8 },
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
export async function wrapMaterial(c: WrapContext, mechanism: Pkcs11Mechanism, material: Buffer, binding: KeyBinding): Promise<Buffer> {
  if (mechanism === 'aes-gcm') {
    const iv = randomBytes(IV_LENGTH)
    const additionalData = aad(FORMAT_GCM, binding)
    try {
      c.pkcs11.C_EncryptInit(c.session, gcmMechanism(c.js, iv, additionalData), c.key)
      const sealed = await c.pkcs11.C_EncryptAsync(c.session, material, Buffer.alloc(material.length + TAG_LENGTH))
      return Buffer.concat([Buffer.from([FORMAT_GCM]), iv, sealed])
    } catch (error) {
      throw pkcs11Error('C_Encrypt (AES-GCM)', error)
    }
  }
  const value = kwpValue(material, binding)
  try {
    const temporary = c.pkcs11.C_CreateObject(c.session, [...sessionSecret(c.js), { type: c.js.CKA_VALUE, value }])
    try {
      const out = Buffer.alloc(value.length + 16)
      const wrapped = await c.pkcs11.C_WrapKeyAsync(c.session, { mechanism: c.js.CKM_AES_KEY_WRAP_PAD }, c.key, temporary, out)
      return Buffer.concat([Buffer.from([FORMAT_KWP]), wrapped])
    } finally {
      c.pkcs11.C_DestroyObject(c.session, temporary)
    }
  } catch (error) {
    throw pkcs11Error('C_WrapKey (AES-KWP)', error)
  } finally {
    value.fill(0)
  }
}

/** The mechanism a wrapped value needs, from its first byte; anything else is not ours. */
export function formatOf(wrapped: Buffer): Pkcs11Mechanism {
  if (wrapped[0] === FORMAT_GCM && wrapped.length > 1 + IV_LENGTH + TAG_LENGTH) return 'aes-gcm'
  if (wrapped[0] === FORMAT_KWP && wrapped.length >= 1 + 16) return 'aes-kwp'
  throw providerError('pkcs11', 'wrong-key', 'the wrapped key is not a PKCS#11 wrap of this provider')
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
export async function unwrapMaterial(c: WrapContext, wrapped: Buffer, binding: KeyBinding): Promise<Buffer> {
  if (formatOf(wrapped) === 'aes-gcm') {
    const iv = wrapped.subarray(1, 1 + IV_LENGTH)
    const sealed = wrapped.subarray(1 + IV_LENGTH)
    try {
      c.pkcs11.C_DecryptInit(c.session, gcmMechanism(c.js, iv, aad(FORMAT_GCM, binding)), c.key)
    } catch (error) {
      throw pkcs11Error('C_DecryptInit (AES-GCM)', error)
    }
    try {
      return Buffer.from(await c.pkcs11.C_DecryptAsync(c.session, sealed, Buffer.alloc(sealed.length)))
    } catch (error) {
      throw pkcs11Error('C_Decrypt (AES-GCM)', error, true)
    }
  }
  let value: Buffer
  try {
    const temporary = await c.pkcs11.C_UnwrapKeyAsync(c.session, { mechanism: c.js.CKM_AES_KEY_WRAP_PAD }, c.key, wrapped.subarray(1), sessionSecret(c.js))
    try {
      value = (c.pkcs11.C_GetAttributeValue(c.session, temporary, [{ type: c.js.CKA_VALUE }])[0]?.value ?? Buffer.alloc(0))
    } finally {
      c.pkcs11.C_DestroyObject(c.session, temporary)
    }
  } catch (error) {
    throw pkcs11Error('C_UnwrapKey (AES-KWP)', error, true)
  }
  try {
    return kwpMaterial(value, binding)
  } finally {
    value.fill(0)
  }
}

function bindingDigest(binding: KeyBinding): Buffer {
  return createHash('sha256').update(aad(FORMAT_KWP, binding)).digest()
}

/** length(2) ‖ material ‖ zeros ‖ digest, a multiple of 8 bytes. */
function kwpValue(material: Buffer, binding: KeyBinding): Buffer {
  const padding = (8 - ((2 + material.length + DIGEST_LENGTH) % 8)) % 8
  const length = Buffer.alloc(2)
  length.writeUInt16BE(material.length)
  return Buffer.concat([length, material, Buffer.alloc(padding), bindingDigest(binding)])
}

function kwpMaterial(value: Buffer, binding: KeyBinding): Buffer {
  const length = value.length >= 2 ? value.readUInt16BE(0) : 0
  const padding = value.subarray(2 + length, value.length - DIGEST_LENGTH)
  const fits =
    value.length % 8 === 0 &&
    length > 0 &&
    2 + length + DIGEST_LENGTH <= value.length &&
    padding.length < 8 &&
    padding.every((byte) => byte === 0)
  if (!fits || !timingSafeEqual(value.subarray(value.length - DIGEST_LENGTH), bindingDigest(binding))) {
    throw providerError('pkcs11', 'wrong-key', 'the wrapped key does not open under this token key (binding differs)')
  }
  return Buffer.from(value.subarray(2, 2 + length))
}

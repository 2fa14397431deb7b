/**
 * The fallback wrap for tokens without AES-GCM encryption: AES key wrap with padding
 * (`CKM_AES_KEY_WRAP_PAD`, RFC 5649) of `length(2) ‖ material ‖ zeros ‖ SHA-256(aad)`.
 *
 * KWP has no associated data, so the digest of the binding is wrapped with the material and
 * compared on unwrap; KWP's own integrity check covers both. The zeros make the wrapped value a
 * multiple of 8 bytes, so that the token never pads: SoftHSM 2.6 returns the padded value from an
 * unwrap. KWP wraps only key objects, so the value goes through a short-lived session object
 * (`CKA_TOKEN` false), destroyed right after. KWP is deterministic: the same material and binding
 * give the same bytes.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { providerError } from '../provider-error.js'
import { pkcs11Error } from './errors.js'
import type { Pkcs11, Pkcs11Js } from './library.js'

const DIGEST_LENGTH = 32

/** A logged-in session and the token key, used by one call at a time. */
export interface WrapContext {
  readonly js: Pkcs11Js
  readonly pkcs11: Pkcs11
  readonly session: Buffer
  readonly key: Buffer
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

/**
 * Wraps `material` bound to `aad` with the token key.
 *
 * @example
 * ```ts
 * const wrapped = await kwpWrap(context, material, aad)
 * ```
 */
export async function kwpWrap(c: WrapContext, material: Buffer, aad: Buffer): Promise<Buffer> {
  const value = kwpValue(material, aad)
  try {
    const temporary = c.pkcs11.C_CreateObject(c.session, [
      ...sessionSecret(c.js),
      { type: c.js.CKA_VALUE, value },
    ])
    try {
      const mechanism = { mechanism: c.js.CKM_AES_KEY_WRAP_PAD }
      const out = Buffer.alloc(value.length + 16)
      return await c.pkcs11.C_WrapKeyAsync(c.session, mechanism, c.key, temporary, out)
    } finally {
      c.pkcs11.C_DestroyObject(c.session, temporary)
    }
  } catch (error) {
    throw pkcs11Error('C_WrapKey (AES-KWP)', error)
  } finally {
    value.fill(0)
  }
}

/**
 * Opens what {@link kwpWrap} made for the same `aad`; anything else is
 * `ERR_FIELDSEAL_WRONG_MASTER_KEY`.
 *
 * @example
 * ```ts
 * const material = await kwpUnwrap(context, wrapped, aad)
 * ```
 */
export async function kwpUnwrap(c: WrapContext, wrapped: Buffer, aad: Buffer): Promise<Buffer> {
  let value: Buffer
  try {
    const mechanism = { mechanism: c.js.CKM_AES_KEY_WRAP_PAD }
    const template = sessionSecret(c.js)
    const temporary = await c.pkcs11.C_UnwrapKeyAsync(
      c.session,
      mechanism,
      c.key,
      wrapped,
      template,
    )
    try {
      const [attribute] = c.pkcs11.C_GetAttributeValue(c.session, temporary, [
        { type: c.js.CKA_VALUE },
      ])
      value = attribute?.value ?? Buffer.alloc(0)
    } finally {
      c.pkcs11.C_DestroyObject(c.session, temporary)
    }
  } catch (error) {
    throw pkcs11Error('C_UnwrapKey (AES-KWP)', error, true)
  }
  try {
    return kwpMaterial(value, aad)
  } finally {
    value.fill(0)
  }
}

function digest(aad: Buffer): Buffer {
  return createHash('sha256').update(aad).digest()
}

/** length(2) ‖ material ‖ zeros ‖ digest, a multiple of 8 bytes. */
function kwpValue(material: Buffer, aad: Buffer): Buffer {
  const padding = (8 - ((2 + material.length + DIGEST_LENGTH) % 8)) % 8
  const length = Buffer.alloc(2)
  length.writeUInt16BE(material.length)
  return Buffer.concat([length, material, Buffer.alloc(padding), digest(aad)])
}

function kwpMaterial(value: Buffer, aad: Buffer): Buffer {
  const length = value.length >= 2 ? value.readUInt16BE(0) : 0
  const padding = value.subarray(2 + length, value.length - DIGEST_LENGTH)
  const fits =
    value.length % 8 === 0 &&
    length > 0 &&
    2 + length + DIGEST_LENGTH <= value.length &&
    padding.length < 8 &&
    padding.every((byte) => byte === 0)
  if (!fits || !timingSafeEqual(value.subarray(value.length - DIGEST_LENGTH), digest(aad))) {
    throw providerError(
      'pkcs11',
      'wrong-key',
      'the wrapped key does not open under this token key (binding differs)',
    )
  }
  return Buffer.from(value.subarray(2, 2 + length))
}

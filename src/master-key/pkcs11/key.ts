/**
 * The master key inside the token: finding the one AES key a `pkcs11:` URI names, checking that
 * it is fit — AES-256, sensitive and never extractable (PKCS#11 v2.40 §4.9), so its value cannot
 * leave the token — and generating such a key.
 *
 * @module
 */
import { providerError } from '../provider-error.js'
import { pkcs11Error } from './errors.js'
import type { Pkcs11, Pkcs11Js } from './library.js'
import { call } from './token.js'
import type { Pkcs11Mechanism } from './options.js'
import type { Pkcs11Uri } from './uri.js'

type Handle = Buffer
const PROVIDER = 'pkcs11'

export type { Pkcs11Mechanism }

/** The AES secret keys whose label and id match the URI (at most `limit`). */
function findKeys(
  js: Pkcs11Js,
  pkcs11: Pkcs11,
  session: Handle,
  uri: Pkcs11Uri,
  limit: number,
): Handle[] {
  const template = [
    { type: js.CKA_CLASS, value: js.CKO_SECRET_KEY },
    { type: js.CKA_KEY_TYPE, value: js.CKK_AES },
    ...(uri.attributes.object === undefined
      ? []
      : [{ type: js.CKA_LABEL, value: uri.attributes.object }]),
    ...(uri.id === undefined ? [] : [{ type: js.CKA_ID, value: uri.id }]),
  ]
  call('C_FindObjectsInit', () => pkcs11.C_FindObjectsInit(session, template))
  try {
    return call('C_FindObjects', () => pkcs11.C_FindObjects(session, limit))
  } finally {
    call('C_FindObjectsFinal', () => pkcs11.C_FindObjectsFinal(session))
  }
}

/**
 * The one key the URI names, checked fit for `mechanism`; `ERR_FIELDSEAL_PROVIDER_MISCONFIGURED`
 * when there is none, more than one, or it is unfit.
 *
 * @example
 * ```ts
 * const key = findWrappingKey(js, pkcs11, session, uri, 'aes-gcm')
 * ```
 */
export function findWrappingKey(
  js: Pkcs11Js,
  pkcs11: Pkcs11,
  session: Handle,
  uri: Pkcs11Uri,
  mechanism: Pkcs11Mechanism,
): Handle {
  const keys = findKeys(js, pkcs11, session, uri, 2)
  if (keys.length === 0)
    throw providerError(
      PROVIDER,
      'misconfigured',
      'the token holds no AES key with that object label and id',
    )
  if (keys.length > 1)
    throw providerError(
      PROVIDER,
      'misconfigured',
      'several AES keys match the URI; add id= to name one',
    )
  const key = keys[0] as Handle
  const [length, sensitive, extractable, first, second] = call('C_GetAttributeValue', () =>
    pkcs11.C_GetAttributeValue(session, key, [
      { type: js.CKA_VALUE_LEN },
      { type: js.CKA_SENSITIVE },
      { type: js.CKA_EXTRACTABLE },
      { type: mechanism === 'aes-gcm' ? js.CKA_ENCRYPT : js.CKA_WRAP },
      { type: mechanism === 'aes-gcm' ? js.CKA_DECRYPT : js.CKA_UNWRAP },
    ]),
  ).map((attribute) => attribute.value)
  const isTrue = (value: Buffer | undefined) =>
    value !== undefined && value.length > 0 && value[0] !== 0
  if (length === undefined || length.length < 4 || length.readUInt32LE(0) !== 32) {
    throw providerError(PROVIDER, 'misconfigured', 'the token key is not an AES-256 key')
  }
  if (!isTrue(sensitive) || isTrue(extractable)) {
    throw providerError(
      PROVIDER,
      'misconfigured',
      'the token key can leave the token (not sensitive, or extractable); generate a non-extractable one',
    )
  }
  if (!isTrue(first) || !isTrue(second)) {
    const allowed =
      mechanism === 'aes-gcm' ? 'CKA_ENCRYPT and CKA_DECRYPT' : 'CKA_WRAP and CKA_UNWRAP'
    throw providerError(PROVIDER, 'misconfigured', `the token key does not allow ${allowed}`)
  }
  return key
}

/**
 * Creates the master key in the token: AES-256, a token object, private, sensitive, never
 * extractable, usable for encrypt/decrypt and wrap/unwrap, labelled and identified as the URI
 * says. Refuses when a key of that label and id already exists.
 *
 * @example
 * ```ts
 * generateWrappingKey(js, pkcs11, rwSession, parsePkcs11Uri('pkcs11:token=t;object=master;id=%01'))
 * ```
 */
export async function generateWrappingKey(
  js: Pkcs11Js,
  pkcs11: Pkcs11,
  session: Handle,
  uri: Pkcs11Uri,
): Promise<void> {
  if (findKeys(js, pkcs11, session, uri, 1).length > 0) {
    throw providerError(
      PROVIDER,
      'misconfigured',
      'the token already holds an AES key with that object label and id',
    )
  }
  const template = [
    { type: js.CKA_CLASS, value: js.CKO_SECRET_KEY },
    { type: js.CKA_KEY_TYPE, value: js.CKK_AES },
    { type: js.CKA_VALUE_LEN, value: 32 },
    { type: js.CKA_TOKEN, value: true },
    { type: js.CKA_PRIVATE, value: true },
    { type: js.CKA_SENSITIVE, value: true },
    { type: js.CKA_EXTRACTABLE, value: false },
    { type: js.CKA_ENCRYPT, value: true },
    { type: js.CKA_DECRYPT, value: true },
    { type: js.CKA_WRAP, value: true },
    { type: js.CKA_UNWRAP, value: true },
    ...(uri.attributes.object === undefined
      ? []
      : [{ type: js.CKA_LABEL, value: uri.attributes.object }]),
    ...(uri.id === undefined ? [] : [{ type: js.CKA_ID, value: uri.id }]),
  ]
  try {
    await pkcs11.C_GenerateKeyAsync(session, { mechanism: js.CKM_AES_KEY_GEN }, template)
  } catch (error) {
    throw pkcs11Error('C_GenerateKey', error)
  }
}

/**
 * Finding things in a PKCS#11 module as a `pkcs11:` URI describes them: the one slot whose token
 * matches, the one AES key that matches, and whether that key is fit to be a master key — AES-256,
 * sensitive and never extractable (PKCS#11 v2.40 §4.9), so its value cannot leave the token.
 *
 * Token info fields are fixed-width and space-padded (v2.40 §3.2); they are compared trimmed.
 *
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { providerError } from './provider-error.js'
import { pkcs11Error } from './pkcs11-errors.js'
import type { Pkcs11, Pkcs11Js, Pkcs11Library } from './pkcs11-library.js'
import type { Pkcs11Uri } from './pkcs11-uri.js'

type Handle = Buffer
const PROVIDER = 'pkcs11'

/** What the wrapping key must be allowed to do, per mechanism. */
export type Pkcs11Mechanism = 'aes-gcm' | 'aes-kwp'

function matches(expected: string | undefined, actual: string): boolean {
  return expected === undefined || expected === actual.replace(/ +$/, '')
}

/** CK_SLOT_ID is a CK_ULONG: 8 bytes on LP64 systems, 4 on Windows. */
function slotId(slot: Handle): bigint {
  return slot.length >= 8 ? slot.readBigUInt64LE(0) : BigInt(slot.readUInt32LE(0))
}

function call<T>(name: string, run: () => T): T {
  try {
    return run()
  } catch (error) {
    throw pkcs11Error(name, error)
  }
}

/**
 * The slot holding the token the URI names. No match is `ERR_FIELDSEAL_PROVIDER_UNAVAILABLE`
 * (the token is absent), more than one is `ERR_FIELDSEAL_PROVIDER_MISCONFIGURED` (ambiguous).
 *
 * @example
 * ```ts
 * const slot = findSlot(pkcs11, parsePkcs11Uri('pkcs11:token=fieldseal;object=master'))
 * ```
 */
export function findSlot(pkcs11: Pkcs11, uri: Pkcs11Uri): Handle {
  const a = uri.attributes
  const info = call('C_GetInfo', () => pkcs11.C_GetInfo())
  const version = `${info.libraryVersion.major}.${info.libraryVersion.minor}`
  const libraryMatches =
    matches(a['library-manufacturer'], info.manufacturerID) &&
    matches(a['library-description'], info.libraryDescription) &&
    (a['library-version'] === undefined || a['library-version'] === version || `${a['library-version']}.0` === version)
  const found: Handle[] = []
  for (const slot of libraryMatches ? call('C_GetSlotList', () => pkcs11.C_GetSlotList(true)) : []) {
    if (a['slot-id'] !== undefined && BigInt(a['slot-id']) !== slotId(slot)) continue
    const slotInfo = call('C_GetSlotInfo', () => pkcs11.C_GetSlotInfo(slot))
    if (!matches(a['slot-manufacturer'], slotInfo.manufacturerID) || !matches(a['slot-description'], slotInfo.slotDescription)) continue
    const token = call('C_GetTokenInfo', () => pkcs11.C_GetTokenInfo(slot))
    if (matches(a.token, token.label) && matches(a.manufacturer, token.manufacturerID) && matches(a.model, token.model) && matches(a.serial, token.serialNumber)) {
      found.push(slot)
    }
  }
  if (found.length === 0) throw providerError(PROVIDER, 'unavailable', 'no token present matches the URI')
  if (found.length > 1) throw providerError(PROVIDER, 'misconfigured', `${found.length} tokens match the URI; add token= or serial=`)
  return found[0] as Handle
}

// PINs are remembered only as HMACs under a key that lives and dies with the process.
const PIN_DIGEST_KEY = randomBytes(32)

function pinDigest(pin: string): Buffer {
  return createHmac('sha256', PIN_DIGEST_KEY).update(pin, 'utf8').digest()
}

/**
 * Logs the user in with the PIN. Login state belongs to the application, not the session
 * (v2.40 §5.6): when another session of this process is already logged in to the token, the
 * token answers `CKR_USER_ALREADY_LOGGED_IN` without checking this PIN. So the PIN of every
 * successful login is remembered (as a keyed digest, per slot) and a different PIN is refused
 * then, instead of riding on the earlier login.
 *
 * @example
 * ```ts
 * login(library, slot, session, pin)
 * ```
 */
export function login(library: Pkcs11Library, slot: Handle, session: Handle, pin: string): void {
  const slotKey = slotId(slot).toString()
  const digest = pinDigest(pin)
  try {
    library.pkcs11.C_Login(session, library.js.CKU_USER, pin)
  } catch (error) {
    const failure = pkcs11Error('C_Login', error)
    if (!failure.message.includes('CKR_USER_ALREADY_LOGGED_IN')) throw failure
    const known = library.logins.get(slotKey)
    if (known === undefined || !timingSafeEqual(known, digest)) {
      throw providerError(PROVIDER, 'denied', 'C_Login: this PIN is not the one the token was opened with', 'CKR_PIN_INCORRECT')
    }
    return
  }
  library.logins.set(slotKey, digest)
}

/** The AES secret keys whose label and id match the URI (at most `limit`). */
function findKeys(js: Pkcs11Js, pkcs11: Pkcs11, session: Handle, uri: Pkcs11Uri, limit: number): Handle[] {
  const template = [
    { type: js.CKA_CLASS, value: js.CKO_SECRET_KEY },
    { type: js.CKA_KEY_TYPE, value: js.CKK_AES },
    ...(uri.attributes.object === undefined ? [] : [{ type: js.CKA_LABEL, value: uri.attributes.object }]),
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
export function findWrappingKey(js: Pkcs11Js, pkcs11: Pkcs11, session: Handle, uri: Pkcs11Uri, mechanism: Pkcs11Mechanism): Handle {
  const keys = findKeys(js, pkcs11, session, uri, 2)
  if (keys.length === 0) throw providerError(PROVIDER, 'misconfigured', 'the token holds no AES key with that object label and id')
  if (keys.length > 1) throw providerError(PROVIDER, 'misconfigured', 'several AES keys match the URI; add id= to name one')
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
  const isTrue = (value: Buffer | undefined) => value !== undefined && value.length > 0 && value[0] !== 0
  if (length === undefined || length.length < 4 || length.readUInt32LE(0) !== 32) {
    throw providerError(PROVIDER, 'misconfigured', 'the token key is not an AES-256 key')
  }
  if (!isTrue(sensitive) || isTrue(extractable)) {
    throw providerError(PROVIDER, 'misconfigured', 'the token key can leave the token (not sensitive, or extractable); generate a non-extractable one')
  }
  if (!isTrue(first) || !isTrue(second)) {
    const allowed = mechanism === 'aes-gcm' ? 'CKA_ENCRYPT and CKA_DECRYPT' : 'CKA_WRAP and CKA_UNWRAP'
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
export async function generateWrappingKey(js: Pkcs11Js, pkcs11: Pkcs11, session: Handle, uri: Pkcs11Uri): Promise<void> {
  if (findKeys(js, pkcs11, session, uri, 1).length > 0) {
    throw providerError(PROVIDER, 'misconfigured', 'the token already holds an AES key with that object label and id')
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
    ...(uri.attributes.object === undefined ? [] : [{ type: js.CKA_LABEL, value: uri.attributes.object }]),
    ...(uri.id === undefined ? [] : [{ type: js.CKA_ID, value: uri.id }]),
  ]
  try {
    await pkcs11.C_GenerateKeyAsync(session, { mechanism: js.CKM_AES_KEY_GEN }, template)
  } catch (error) {
    throw pkcs11Error('C_GenerateKey', error)
  }
}

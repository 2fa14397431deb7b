/**
 * The token a `pkcs11:` URI names: the one slot whose library, slot and token information match
 * (fixed-width, space-padded fields, v2.40 §3.2, compared trimmed), and the user's login to it.
 *
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { providerError } from '../provider-error.js'
import { pkcs11Error } from './errors.js'
import type { Pkcs11, Pkcs11Library } from './library.js'
import type { Pkcs11Uri } from './uri.js'

type Handle = Buffer
const PROVIDER = 'pkcs11'

function matches(expected: string | undefined, actual: string): boolean {
  return expected === undefined || expected === actual.replace(/ +$/, '')
}

/** CK_SLOT_ID is a CK_ULONG: 8 bytes on LP64 systems, 4 on Windows. */
function slotId(slot: Handle): bigint {
  return slot.length >= 8 ? slot.readBigUInt64LE(0) : BigInt(slot.readUInt32LE(0))
}

/** Runs one PKCS#11 call, turning its failure into a coded error. */
export function call<T>(name: string, run: () => T): T {
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
    (a['library-version'] === undefined ||
      a['library-version'] === version ||
      `${a['library-version']}.0` === version)
  const found: Handle[] = []
  for (const slot of libraryMatches
    ? call('C_GetSlotList', () => pkcs11.C_GetSlotList(true))
    : []) {
    if (a['slot-id'] !== undefined && BigInt(a['slot-id']) !== slotId(slot)) continue
    const slotInfo = call('C_GetSlotInfo', () => pkcs11.C_GetSlotInfo(slot))
    if (
      !matches(a['slot-manufacturer'], slotInfo.manufacturerID) ||
      !matches(a['slot-description'], slotInfo.slotDescription)
    )
      continue
    const token = call('C_GetTokenInfo', () => pkcs11.C_GetTokenInfo(slot))
    if (
      matches(a.token, token.label) &&
      matches(a.manufacturer, token.manufacturerID) &&
      matches(a.model, token.model) &&
      matches(a.serial, token.serialNumber)
    ) {
      found.push(slot)
    }
  }
  if (found.length === 0)
    throw providerError(PROVIDER, 'unavailable', 'no token present matches the URI')
  if (found.length > 1)
    throw providerError(
      PROVIDER,
      'misconfigured',
      `${found.length} tokens match the URI; add token= or serial=`,
    )
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
      throw providerError(
        PROVIDER,
        'denied',
        'C_Login: this PIN is not the one the token was opened with',
        'CKR_PIN_INCORRECT',
      )
    }
    return
  }
  library.logins.set(slotKey, digest)
}

/**
 * Options of the PKCS#11 provider, checked once when it is created. The PIN is looked for in the
 * options, the URI's `pin-source` file, `FIELDSEAL_PKCS11_PIN_FILE`, then `FIELDSEAL_PKCS11_PIN`;
 * never in the URI itself (`pin-value` is refused by the URI parser).
 *
 * @module
 */
import { invalidOption, optionsObject, rejectUnknownOptions } from '../../util/option-checks.js'
import { parsePkcs11Uri, type Pkcs11Uri } from './uri.js'
import { readSecret } from '../secret-source.js'

/**
 * How the token wraps: AES-GCM (`CKM_AES_GCM`), or AES key wrap with padding (`CKM_AES_KEY_WRAP_PAD`,
 * RFC 5649) where the token has no AES-GCM. Declared here, apart from the token code, so that
 * the public types never need `pkcs11js`.
 */
export type Pkcs11Mechanism = 'aes-gcm' | 'aes-kwp'

/** How to reach the token key. */
export interface Pkcs11Options {
  /** RFC 7512 URI naming the token and the key, e.g. `pkcs11:token=fieldseal;object=master`. */
  uri: string
  /** Path of the PKCS#11 module. Defaults to the URI's `module-path`, then `FIELDSEAL_PKCS11_MODULE`. */
  modulePath?: string
  /** The user PIN, when the application holds it. Defaults to the URI's `pin-source`, then `FIELDSEAL_PKCS11_PIN_FILE`, then `FIELDSEAL_PKCS11_PIN`. */
  pin?: string
  /** Force a wrapping mechanism. Defaults to `aes-gcm` when the token offers it, else `aes-kwp`. */
  mechanism?: Pkcs11Mechanism
  /** Environment to read `FIELDSEAL_PKCS11_*` from. Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv
}

const KNOWN_OPTIONS: Record<keyof Pkcs11Options, true> = {
  uri: true,
  modulePath: true,
  pin: true,
  mechanism: true,
  env: true,
}
const WHERE = 'pkcs11 provider'

/** The options resolved: URI parsed, module path and PIN found. */
export interface ResolvedPkcs11Options {
  readonly uri: Pkcs11Uri
  readonly modulePath: string
  readonly mechanism: Pkcs11Mechanism | undefined
  readonly pin: string
}

/**
 * Checks the options and finds the module path and the PIN; throws
 * `ERR_FIELDSEAL_INVALID_OPTION` or, without a PIN, `ERR_FIELDSEAL_PROVIDER_MISCONFIGURED`.
 *
 * @example
 * ```ts
 * const { uri, modulePath, pin } = await resolvePkcs11Options({ uri: 'pkcs11:token=t;object=m' })
 * ```
 */
export async function resolvePkcs11Options(
  options: Readonly<Pkcs11Options>,
): Promise<ResolvedPkcs11Options> {
  const given = optionsObject(options, WHERE)
  rejectUnknownOptions(given, Object.keys(KNOWN_OPTIONS), WHERE)
  const uri = parsePkcs11Uri(given.uri as string)
  const env = (given.env as NodeJS.ProcessEnv | undefined) ?? process.env
  const modulePath =
    (given.modulePath as string | undefined) ??
    uri.modulePath ??
    (env.FIELDSEAL_PKCS11_MODULE || undefined)
  if (typeof modulePath !== 'string' || !modulePath.startsWith('/')) {
    throw invalidOption(
      WHERE,
      'modulePath (or module-path in the URI, or FIELDSEAL_PKCS11_MODULE) must be an absolute path',
    )
  }
  const mechanism = given.mechanism
  if (mechanism !== undefined && mechanism !== 'aes-gcm' && mechanism !== 'aes-kwp') {
    throw invalidOption(WHERE, 'mechanism must be "aes-gcm" or "aes-kwp"')
  }
  if (given.pin !== undefined && typeof given.pin !== 'string')
    throw invalidOption(WHERE, 'pin must be a string')
  const pin = await readSecret(
    'pkcs11',
    'PIN',
    {
      value: given.pin as string | undefined,
      file: uri.pinFile,
      envVar: 'FIELDSEAL_PKCS11_PIN',
      fileEnvVar: 'FIELDSEAL_PKCS11_PIN_FILE',
    },
    env,
  )
  return { uri, modulePath, mechanism, pin }
}

/**
 * Keeping secrets out of what the CLI prints and stores. A key pasted where a key id, a name or
 * a file was expected must not travel on into a terminal's scrollback, a CI log or the keyring's
 * `rotatedBy`. Two nets: the shape of key material (long runs of base64, base64url or hex), and
 * the secrets the CLI itself was given in its environment (a passphrase has no shape).
 *
 * @module
 */
import { MASTER_KEY_ENV_VAR, MASTER_PASSPHRASE_ENV_VAR } from '../keyring/index.js'
import { keysFromEnv } from '../crypto/static-keys.js'
import {
  NEW_MASTER_KEY_ENV_VAR,
  NEW_MASTER_PASSPHRASE_ENV_VAR,
  PROVIDER_SECRET_ENV_VARS,
} from './secret-env.js'

// 22 base64 characters carry 128 bits. Random ones mix upper case, lower case and digits (or
// "+/"), which words, host names and hyphenated names rarely do; a 22-character run lacks a digit
// one time in 40, so from 40 characters on (a 256-bit key has 43 or 44), both cases suffice.
// 32 hex digits carry 128 bits.
const BASE64_RUN = /[A-Za-z0-9+/_-]{22,}/g
const HEX_RUN = /[0-9A-Fa-f]{32,}/
const LONG_RUN = 40
// Shorter secrets are ordinary words too often to be hunted in text.
const MIN_KNOWN_SECRET = 4

function mixed(run: string): boolean {
  const cases = /[A-Z]/.test(run) && /[a-z]/.test(run)
  return cases && (run.length >= LONG_RUN || /[0-9+/]/.test(run))
}

/**
 * Whether `text` holds something shaped like key material: 128 bits or more of base64,
 * base64url or hex.
 *
 * @example
 * ```ts
 * looksLikeKeyMaterial('q8Vw1nX0hP2mZl9rT4sY7uB3cD5eF6gH8iJ0kL1mN2o=') // true
 * looksLikeKeyMaterial('alice@example.com') // false
 * ```
 */
export function looksLikeKeyMaterial(text: string): boolean {
  return HEX_RUN.test(text) || (text.match(BASE64_RUN) ?? []).some(mixed)
}

/**
 * The secrets in the CLI's environment: master keys and passphrases, old and new, the
 * simple-mode data keys, and the providers' PINs, tokens and credentials.
 *
 * @example
 * ```ts
 * secretsOf(context.io.env) // ['q8Vw…=', 'correct horse battery staple']
 * ```
 */
export function secretsOf(env: Readonly<Record<string, string | undefined>>): string[] {
  const named = [
    MASTER_KEY_ENV_VAR,
    MASTER_PASSPHRASE_ENV_VAR,
    NEW_MASTER_KEY_ENV_VAR,
    NEW_MASTER_PASSPHRASE_ENV_VAR,
    ...PROVIDER_SECRET_ENV_VARS,
  ].flatMap((name) => [env[name] ?? '', (env[name] ?? '').trim()])
  const keys = keysFromEnv(env) ?? []
  return [...new Set([...named, ...keys])].filter((s) => s.length >= MIN_KNOWN_SECRET)
}

/**
 * Whether `word` may be printed back or stored: it is neither shaped like key material nor
 * holds one of `secrets`.
 *
 * @example
 * ```ts
 * isShowable('ops@example.com', secretsOf(env)) // true
 * ```
 */
export function isShowable(word: string, secrets: readonly string[] = []): boolean {
  return !looksLikeKeyMaterial(word) && !secrets.some((secret) => word.includes(secret))
}

/**
 * `text` with every run shaped like key material and every one of `secrets` replaced by
 * `[redacted]`: the last net under everything the CLI writes to stderr.
 *
 * @example
 * ```ts
 * redact('cannot read q8Vw1nX0hP2mZl9rT4sY7uB3cD5eF6gH8iJ0kL1mN2o= (ENOENT)') // 'cannot read [redacted]= (ENOENT)'
 * ```
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('[redacted]')
  }
  return out
    .replace(BASE64_RUN, (run) => (mixed(run) ? '[redacted]' : run))
    .replace(new RegExp(HEX_RUN.source, 'g'), '[redacted]')
}

/**
 * Options of the Vault Transit provider, checked once when it is created: unknown names are
 * refused with a suggestion, the address must be plain `http(s)://host[:port]` (no credentials,
 * no path) and, unless explicitly allowed, HTTPS or a loopback address, because the token and
 * the data keys cross that connection.
 *
 * @module
 */
import {
  booleanOption,
  invalidOption,
  optionsObject,
  positiveInteger,
  rejectUnknownOptions,
} from '../../util/option-checks.js'
import type { RetryPolicy } from './http-retry.js'

/** How to reach a Transit key. Defaults follow the Vault CLI's environment variables. */
export interface VaultTransitOptions {
  /** Vault address, e.g. `https://vault.internal:8200`. Defaults to `VAULT_ADDR`. */
  address?: string
  /** Name of the Transit key (type `aes256-gcm96` recommended, not derived). */
  key: string
  /** Mount path of the Transit engine. Defaults to `transit`. */
  mount?: string
  /** Vault Enterprise / OpenBao namespace. Defaults to `VAULT_NAMESPACE`, else none. */
  namespace?: string
  /** The token, when the application holds it; otherwise `VAULT_TOKEN_FILE` or `VAULT_TOKEN`. */
  token?: string
  /** A file holding the token (takes precedence over `VAULT_TOKEN`). */
  tokenFile?: string
  /** Time limit of one HTTP attempt. Defaults to 10 000 ms. */
  timeoutMs?: number
  /** Attempts per call on 429, 5xx or network failure. Defaults to 4. */
  maxAttempts?: number
  /** Upper bound of the first backoff delay, doubled per attempt, capped at 5 s. Defaults to 200 ms. */
  retryBaseDelayMs?: number
  /** Allow `http://` to a non-loopback host (the token travels in clear). Defaults to `false`. */
  allowInsecureHttp?: boolean
  /** Environment to read `VAULT_*` from. Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv
}

const KNOWN_OPTIONS: Record<keyof VaultTransitOptions, true> = {
  address: true,
  key: true,
  mount: true,
  namespace: true,
  token: true,
  tokenFile: true,
  timeoutMs: true,
  maxAttempts: true,
  retryBaseDelayMs: true,
  allowInsecureHttp: true,
  env: true,
}

const WHERE = 'vault-transit provider'
const KEY_NAME = /^[A-Za-z0-9_.-]{1,128}$/
const MOUNT = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/
const NAMESPACE = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*\/?$/

/** The options resolved, every default filled in. */
export interface VaultTransitConfig {
  readonly address: string
  readonly key: string
  readonly mount: string
  readonly namespace: string | undefined
  readonly token: string | undefined
  readonly tokenFile: string | undefined
  readonly timeoutMs: number
  readonly retry: RetryPolicy
  readonly env: NodeJS.ProcessEnv
}

/**
 * Resolves and checks the options; throws `ERR_FIELDSEAL_INVALID_OPTION`.
 *
 * @example
 * ```ts
 * checkVaultOptions({ address: 'https://vault:8200', key: 'fieldseal' }).mount // 'transit'
 * ```
 */
export function checkVaultOptions(options: Readonly<VaultTransitOptions>): VaultTransitConfig {
  const given = optionsObject(options, WHERE)
  rejectUnknownOptions(given, Object.keys(KNOWN_OPTIONS), WHERE)
  const env = (given.env as NodeJS.ProcessEnv | undefined) ?? process.env
  const address = checkAddress(
    given.address ?? env.VAULT_ADDR,
    booleanOption(given.allowInsecureHttp, false, 'allowInsecureHttp', WHERE),
  )
  const key = pattern(given.key, KEY_NAME, 'key')
  const mount = pattern(given.mount ?? 'transit', MOUNT, 'mount')
  if (mount.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw invalidOption(WHERE, 'mount must not contain "." or ".." segments')
  }
  const namespaceValue = given.namespace ?? (env.VAULT_NAMESPACE || undefined)
  const namespace =
    namespaceValue === undefined ? undefined : pattern(namespaceValue, NAMESPACE, 'namespace')
  return {
    address,
    key,
    mount,
    namespace,
    token: optionalString(given.token, 'token'),
    tokenFile: optionalString(given.tokenFile, 'tokenFile'),
    timeoutMs: positiveInteger(given.timeoutMs, 10_000, 'timeoutMs', WHERE),
    retry: {
      maxAttempts: positiveInteger(given.maxAttempts, 4, 'maxAttempts', WHERE),
      baseDelayMs: positiveInteger(given.retryBaseDelayMs, 200, 'retryBaseDelayMs', WHERE),
      maxDelayMs: 5_000,
    },
    env,
  }
}

function checkAddress(value: unknown, allowInsecureHttp: boolean): string {
  if (typeof value !== 'string' || value === '') {
    throw invalidOption(WHERE, 'address is required (or set VAULT_ADDR)')
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw invalidOption(WHERE, 'address is not a URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalidOption(WHERE, 'address must be an http(s) URL')
  }
  if (
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.pathname !== '/'
  ) {
    throw invalidOption(
      WHERE,
      'address must be scheme, host and port only (no credentials, path or query)',
    )
  }
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopback(url.hostname)) {
    throw invalidOption(
      WHERE,
      'address uses http:// to a remote host; use https:// (or allowInsecureHttp)',
    )
  }
  return url.origin
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname)
}

function pattern(value: unknown, regex: RegExp, name: string): string {
  if (typeof value !== 'string' || !regex.test(value)) {
    throw invalidOption(WHERE, `${name} is missing or has characters Vault paths do not allow`)
  }
  return value
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw invalidOption(WHERE, `${name} must be a string`)
  return value
}

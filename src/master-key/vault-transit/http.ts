/**
 * One Vault HTTP API call with `fetch`: token and namespace headers, a timeout per attempt,
 * retries with backoff on 429 and 5xx and on network failures, and Vault's answers mapped to
 * the provider failure codes.
 *
 * Vault's error texts are read only to classify (sealed, not found); they are never copied into
 * an error, and redirects are not followed, so the token is sent to the configured address only.
 *
 * @module
 */
import { backoffDelay, sleep, type RetryPolicy } from './http-retry.js'
import { providerError } from '../provider-error.js'

const PROVIDER = 'vault-transit'
const MAX_RESPONSE_BYTES = 1 << 20
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504])

/** What every call needs. */
export interface VaultConnection {
  /** `https://vault.example:8200`, no trailing slash. */
  readonly address: string
  readonly token: string
  readonly namespace: string | undefined
  readonly timeoutMs: number
  readonly retry: RetryPolicy
  /** Aborted by `close()`: in-flight calls and backoff waits stop at once. */
  readonly signal: AbortSignal
}

/** The call being made, for messages and to classify a 400. */
export type VaultOperation = 'encrypt' | 'decrypt' | 'read key'

class Retryable {
  constructor(
    readonly reason: string,
    readonly retryAfter: string | null,
    readonly sealed: boolean,
  ) {}
}

/**
 * Calls `path` (below `/v1/`) and returns the parsed JSON body of a 2xx answer.
 *
 * @example
 * ```ts
 * const body = await vaultCall(connection, 'encrypt', 'transit/encrypt/fieldseal', { plaintext })
 * ```
 */
export async function vaultCall(
  connection: VaultConnection,
  operation: VaultOperation,
  path: string,
  body?: object,
): Promise<unknown> {
  const { retry } = connection
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptCall(connection, operation, path, body)
    if (!(outcome instanceof Retryable)) return outcome
    if (connection.signal.aborted)
      throw providerError(PROVIDER, 'unavailable', 'the provider was closed')
    if (attempt >= retry.maxAttempts) {
      const what = outcome.sealed
        ? 'Vault is sealed'
        : `${operation} failed after ${attempt} attempts`
      throw providerError(PROVIDER, 'unavailable', what, outcome.reason)
    }
    try {
      await sleep(backoffDelay(attempt, retry, outcome.retryAfter), connection.signal)
    } catch {
      throw providerError(PROVIDER, 'unavailable', 'the provider was closed')
    }
  }
}

async function attemptCall(
  connection: VaultConnection,
  operation: VaultOperation,
  path: string,
  body: object | undefined,
): Promise<unknown> {
  const headers: Record<string, string> = { 'X-Vault-Token': connection.token }
  if (connection.namespace !== undefined) headers['X-Vault-Namespace'] = connection.namespace
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  let response: Response
  let text: string
  try {
    response = await fetch(`${connection.address}/v1/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.any([connection.signal, AbortSignal.timeout(connection.timeoutMs)]),
    })
    text = await readLimited(response)
  } catch (error) {
    const name = error instanceof Error ? error.name : 'network error'
    const reason = name === 'TimeoutError' ? `no answer in ${connection.timeoutMs} ms` : name
    return new Retryable(reason, null, false)
  }
  const status = response.status
  if (status >= 200 && status < 300) return parseJson(text, operation)
  const errors = vaultErrors(text)
  if (RETRY_STATUSES.has(status)) {
    return new Retryable(
      `HTTP ${status}`,
      response.headers.get('retry-after'),
      /sealed/i.test(errors),
    )
  }
  throw classify(status, operation, errors)
}

function classify(status: number, operation: VaultOperation, errors: string) {
  const reason = `HTTP ${status}`
  if (status === 401 || status === 403) {
    return providerError(PROVIDER, 'denied', `${operation} refused: permission denied`, reason)
  }
  if (status === 404 || /not found/i.test(errors)) {
    return providerError(PROVIDER, 'misconfigured', `${operation}: key or mount not found`, reason)
  }
  if (status === 400 && operation === 'decrypt') {
    return providerError(
      PROVIDER,
      'wrong-key',
      'the wrapped key does not open under this key',
      reason,
    )
  }
  if (status >= 300 && status < 400) {
    return providerError(
      PROVIDER,
      'misconfigured',
      `${operation}: Vault answered with a redirect; use the active node's address`,
      reason,
    )
  }
  return providerError(PROVIDER, 'misconfigured', `${operation} rejected`, reason)
}

async function readLimited(response: Response): Promise<string> {
  const chunks: Uint8Array[] = []
  let length = 0
  if (response.body !== null) {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      length += chunk.length
      if (length > MAX_RESPONSE_BYTES) throw new RangeError('response too large')
      chunks.push(chunk)
    }
  }
  return Buffer.concat(chunks).toString('utf8')
}

function parseJson(text: string, operation: VaultOperation): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw providerError(
      PROVIDER,
      'unavailable',
      `${operation}: Vault answered with a body that is not JSON`,
    )
  }
}

/** Vault's `errors` array joined, only to classify the answer. */
function vaultErrors(text: string): string {
  try {
    const body = JSON.parse(text) as { errors?: unknown }
    return Array.isArray(body.errors)
      ? body.errors.filter((e) => typeof e === 'string').join('\n')
      : ''
  } catch {
    return ''
  }
}

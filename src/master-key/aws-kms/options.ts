/**
 * Options of the AWS KMS provider, checked once when it is created: unknown names refused with a
 * suggestion, `keyId` in one of the forms KMS accepts (key id, key ARN, alias name, alias ARN).
 *
 * @module
 */
import {
  invalidOption,
  optionsObject,
  positiveInteger,
  rejectUnknownOptions,
} from '../../util/option-checks.js'

/** Static AWS credentials; prefer the SDK chain (environment, profile, role) in production. */
export interface AwsCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

/** How to reach the KMS key. */
export interface AwsKmsOptions {
  /** Key ARN, key id, alias name (`alias/fieldseal`) or alias ARN. */
  keyId: string
  /** AWS region. Defaults to the SDK chain (`AWS_REGION`, profile). */
  region?: string
  /** Endpoint override (VPC endpoint, FIPS endpoint, or a test server). */
  endpoint?: string
  /** Static credentials. Defaults to the SDK chain. */
  credentials?: AwsCredentials
  /** SDK attempts per call, retries of throttling and 5xx included. Defaults to 3 (the SDK's). */
  maxAttempts?: number
  /** Time limit of one HTTP request. Defaults to 10 000 ms. */
  requestTimeoutMs?: number
}

const KNOWN_OPTIONS: Record<keyof AwsKmsOptions, true> = {
  keyId: true,
  region: true,
  endpoint: true,
  credentials: true,
  maxAttempts: true,
  requestTimeoutMs: true,
}
const WHERE = 'aws-kms provider'
// Key id (UUID or multi-Region mrk-), key ARN, alias name, alias ARN (KMS KeyId syntax).
const KEY_ID =
  /^(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key\/[A-Za-z0-9-]{1,64}|alias\/[A-Za-z0-9/_-]{1,250})|alias\/[A-Za-z0-9/_-]{1,250}|(?:mrk-)?[A-Za-z0-9-]{1,64})$/

/** The options checked, with defaults. */
export interface AwsKmsConfig {
  readonly keyId: string
  readonly region: string | undefined
  readonly endpoint: string | undefined
  readonly credentials: AwsCredentials | undefined
  readonly maxAttempts: number
  readonly requestTimeout: number
}

/**
 * Checks the options; throws `ERR_FIELDSEAL_INVALID_OPTION`.
 *
 * @example
 * ```ts
 * checkKmsOptions({ keyId: 'alias/fieldseal' }).maxAttempts // 3
 * ```
 */
export function checkKmsOptions(options: Readonly<AwsKmsOptions>): AwsKmsConfig {
  const given = optionsObject(options, WHERE)
  rejectUnknownOptions(given, Object.keys(KNOWN_OPTIONS), WHERE)
  const keyId = given.keyId
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) {
    throw invalidOption(WHERE, 'keyId must be a key ARN, key id, alias name or alias ARN')
  }
  for (const name of ['region', 'endpoint'] as const) {
    if (given[name] !== undefined && (typeof given[name] !== 'string' || given[name] === '')) {
      throw invalidOption(WHERE, `${name} must be a non-empty string`)
    }
  }
  return {
    keyId,
    region: given.region as string | undefined,
    endpoint: given.endpoint as string | undefined,
    credentials: checkCredentials(given.credentials),
    maxAttempts: positiveInteger(given.maxAttempts, 3, 'maxAttempts', WHERE),
    requestTimeout: positiveInteger(given.requestTimeoutMs, 10_000, 'requestTimeoutMs', WHERE),
  }
}

function checkCredentials(value: unknown): AwsCredentials | undefined {
  if (value === undefined) return undefined
  const c = value as Partial<Record<keyof AwsCredentials, unknown>>
  const ok =
    typeof value === 'object' &&
    value !== null &&
    typeof c.accessKeyId === 'string' &&
    c.accessKeyId !== '' &&
    typeof c.secretAccessKey === 'string' &&
    c.secretAccessKey !== '' &&
    (c.sessionToken === undefined || typeof c.sessionToken === 'string')
  if (!ok)
    throw invalidOption(WHERE, 'credentials must have accessKeyId and secretAccessKey strings')
  return value as AwsCredentials
}

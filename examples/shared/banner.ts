/**
 * What a demo server prints when it starts: the development-only warning and curl commands to
 * try the API.
 *
 * @module
 */
import { relative } from 'node:path'
import type { DevEnvironment } from './dev-environment.js'

const SAMPLE = {
  name: 'Ada Lovelace',
  ssn: '078-05-1120',
  card_number: '4111 1111 1111 1111',
  bank_account_number: '000123456789',
  email: 'ada@example.com',
  phone_number: '+1 (555) 010-0199',
  address: '12 St James Square, London',
}

/**
 * The curl commands of the walkthrough, for a server at `baseUrl`.
 *
 * @example
 * ```ts
 * console.log(curlCommands('http://localhost:3000', 'dev-admin-token', tampered).join('\n'))
 * ```
 */
export function curlCommands(baseUrl: string, adminToken: string, tampered: string): string[] {
  return [
    '# create a customer (the sensitive fields are encrypted before the handler stores them)',
    `curl -s -X POST ${baseUrl}/customers -H 'Content-Type: application/json' \\\n  -d '${JSON.stringify(SAMPLE)}'`,
    '# list customers, masked',
    `curl -s ${baseUrl}/customers`,
    '# find a customer by e-mail (blind index: the table is not decrypted)',
    `curl -s '${baseUrl}/customers?email=ADA@example.com'`,
    '# one customer: masked, then in full for the admin (the card number stays masked)',
    `curl -s ${baseUrl}/customers/1`,
    `curl -s ${baseUrl}/customers/1 -H 'Authorization: Bearer ${adminToken}'`,
    '# a tampered ciphertext is refused: 400 application/problem+json, nothing stored',
    `curl -s -X POST ${baseUrl}/customers -H 'Content-Type: application/json' \\\n  -d '${JSON.stringify({ name: 'Eve', email: 'eve@example.com', ssn: tampered })}'`,
    '# what the database holds: enc:v1: values only',
    'npx tsx examples/show-database.ts',
  ]
}

/**
 * A real `enc:v1:` value of the active key with one character of its ciphertext changed, for the
 * tamper demo. Only a made-up SSN is encrypted.
 */
function tamperedValue(env: DevEnvironment): string {
  const sealed = String(env.fieldseal.encryptField('000-00-0000', { context: 'ssn' }))
  const at = sealed.length - 10
  return sealed.slice(0, at) + (sealed[at] === 'A' ? 'B' : 'A') + sealed.slice(at + 1)
}

/**
 * Prints the start-up banner of a demo server.
 *
 * @example
 * ```ts
 * printBanner({ framework: 'Express', url: 'http://localhost:3000', env, adminToken })
 * ```
 */
export function printBanner(options: {
  readonly framework: string
  readonly url: string
  readonly env: DevEnvironment
  readonly adminToken: string
}): void {
  const { env } = options
  const where = relative(process.cwd(), env.dataDir) || '.'
  const lines = [
    '',
    '  ┌──────────────────────────────────────────────────────────────────────────┐',
    '  │ DEVELOPMENT ONLY — not for real data.                                    │',
    '  │ The master key, blind-index key and admin token of this demo are stored  │',
    '  │ or hard-coded beside the data they protect. In production, set           │',
    '  │ FIELDSEAL_MASTER_KEY and FIELDSEAL_BLIND_INDEX_KEY from a secret manager.│',
    '  └──────────────────────────────────────────────────────────────────────────┘',
    '',
    `fieldseal demo (${options.framework}) listening on ${options.url}`,
    `data folder: ${where}  (database, keyring; master key from ${env.masterKeySource})`,
    ...env.generated.map(
      (file) => `generated on this first start: ${relative(process.cwd(), file)}`,
    ),
    `active data key: ${env.keyring.encryptionKey().kid}`,
    '',
    'Try:',
    ...curlCommands(options.url, options.adminToken, tamperedValue(env)).map(
      (line) => `  ${line.replaceAll('\n', '\n  ')}`,
    ),
    '',
  ]
  console.log(lines.join('\n'))
}

/**
 * Where a provider's secret (a PKCS#11 PIN, a Vault token) comes from: a value the application
 * passes in, a file, or an environment variable — never a command-line argument or a URI, which
 * end up in shell history, process lists and logs.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { providerError } from './provider-error.js'

/** The places a secret is looked for, first match wins. */
export interface SecretSources {
  /** Given by the application itself. */
  readonly value?: string | undefined
  /** A file holding the secret (one trailing line break is dropped). */
  readonly file?: string | undefined
  /** Environment variable holding the secret. */
  readonly envVar: string
  /** Environment variable holding the path of a file with the secret. */
  readonly fileEnvVar: string
}

/**
 * The secret, or a `ERR_FIELDSEAL_PROVIDER_MISCONFIGURED` error naming where it was looked for
 * (the places, never the content). An empty secret counts as none.
 *
 * @example
 * ```ts
 * const pin = await readSecret('pkcs11', 'PIN', { envVar: 'FIELDSEAL_PKCS11_PIN', fileEnvVar: 'FIELDSEAL_PKCS11_PIN_FILE' }, process.env)
 * ```
 */
export async function readSecret(
  provider: string,
  what: string,
  sources: SecretSources,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const file = sources.file ?? nonEmpty(env[sources.fileEnvVar])
  const secret =
    nonEmpty(sources.value) ??
    (file === undefined ? undefined : await readSecretFile(provider, what, file)) ??
    nonEmpty(env[sources.envVar])
  if (secret === undefined) {
    throw providerError(
      provider,
      'misconfigured',
      `no ${what}: set ${sources.envVar} or ${sources.fileEnvVar}, or pass it in the options`,
    )
  }
  return secret
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

async function readSecretFile(provider: string, what: string, path: string): Promise<string> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw providerError(provider, 'misconfigured', `cannot read the ${what} file "${path}"`, code)
  }
  const secret = text.replace(/\r?\n$/, '')
  if (secret === '')
    throw providerError(provider, 'misconfigured', `the ${what} file "${path}" is empty`)
  return secret
}

/**
 * Loads a provider's optional peer dependency (`pkcs11js`, `@aws-sdk/client-kms`) only when that
 * provider is created, so an application that does not use it never installs or loads it, and
 * one that forgot to install it gets a coded error saying which package to add.
 *
 * @module
 */
import { providerError } from './provider-error.js'

/**
 * `import(name)`, or `ERR_FIELDSEAL_PROVIDER_MISCONFIGURED` naming the package to install.
 *
 * @example
 * ```ts
 * const kms = await importOptional<typeof import('@aws-sdk/client-kms')>('@aws-sdk/client-kms', 'aws-kms')
 * ```
 */
export async function importOptional<T>(name: string, provider: string): Promise<T> {
  try {
    return (await import(name)) as T
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw providerError(
        provider,
        'misconfigured',
        `the optional package ${name} is not installed: npm install ${name}`,
        code,
      )
    }
    throw providerError(
      provider,
      'misconfigured',
      `the optional package ${name} failed to load`,
      code ?? 'load error',
    )
  }
}

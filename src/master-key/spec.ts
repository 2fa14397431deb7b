/**
 * A master-key provider named in one line of configuration, as `FIELDSEAL_MASTER_PROVIDER` and the
 * CLI's `--master` / `--to` take it. A spec names the key, never a secret: PINs, tokens and
 * credentials come from the environment or files, as each provider documents.
 *
 * - `env`: the raw key in `FIELDSEAL_MASTER_KEY`; `passphrase`: `FIELDSEAL_MASTER_PASSPHRASE`
 *   (both resolved by the keyring, which holds the passphrase salt);
 * - `pkcs11:token=…;object=…[;id=…][?module-path=…]`: an RFC 7512 URI, as it is;
 * - `aws-kms:<key id, key ARN, alias/name or alias ARN>` (region `AWS_REGION`, endpoint
 *   `AWS_ENDPOINT_URL_KMS`, credentials from the SDK's chain);
 * - `vault-transit:[<mount>/]<key>` (address `VAULT_ADDR`, token `VAULT_TOKEN_FILE` or
 *   `VAULT_TOKEN`, namespace `VAULT_NAMESPACE`; mount `transit` by default).
 *
 * @module
 */
import { invalidOption } from '../util/option-checks.js'
import { createAwsKmsProvider } from './aws-kms/provider.js'
import { createPkcs11Provider } from './pkcs11/provider.js'
import type { MasterKeyProvider } from './types.js'
import { createVaultTransitProvider } from './vault-transit/provider.js'

/** Environment variable naming the master-key provider (a spec), when it is not the raw key. */
export const MASTER_PROVIDER_ENV_VAR = 'FIELDSEAL_MASTER_PROVIDER'

/** A spec, parsed: what kind of provider, and the rest of the line. */
export type MasterKeySpec =
  | { readonly kind: 'env' | 'passphrase' }
  | { readonly kind: 'pkcs11' | 'aws-kms' | 'vault-transit'; readonly target: string }

const REMOTE = ['pkcs11', 'aws-kms', 'vault-transit'] as const

/**
 * Parses a spec; `ERR_FIELDSEAL_INVALID_OPTION` for anything else (the spec is not echoed: a
 * secret pasted in its place must not travel into a log).
 *
 * @example
 * ```ts
 * parseMasterKeySpec('aws-kms:alias/fieldseal') // { kind: 'aws-kms', target: 'alias/fieldseal' }
 * ```
 */
export function parseMasterKeySpec(spec: string, where = 'master key provider'): MasterKeySpec {
  if (typeof spec !== 'string') throw invalidOption(where, 'a provider spec must be a string')
  const trimmed = spec.trim()
  if (trimmed === 'env' || trimmed === 'passphrase') return { kind: trimmed }
  for (const kind of REMOTE) {
    if (trimmed.startsWith(`${kind}:`) && trimmed.length > kind.length + 1) {
      return { kind, target: kind === 'pkcs11' ? trimmed : trimmed.slice(kind.length + 1) }
    }
  }
  throw invalidOption(
    where,
    'a provider is env, passphrase, pkcs11:<RFC 7512 URI>, aws-kms:<key id, ARN or alias> or vault-transit:[<mount>/]<key>',
  )
}

/**
 * The provider of a `pkcs11:`, `aws-kms:` or `vault-transit:` spec, configured from `env`.
 *
 * @example
 * ```ts
 * // VAULT_ADDR=https://vault.internal:8200 VAULT_TOKEN_FILE=/run/secrets/vault-token
 * const provider = await createProviderFromSpec(parseMasterKeySpec('vault-transit:fieldseal'))
 * ```
 */
export async function createProviderFromSpec(
  spec: MasterKeySpec,
  env: NodeJS.ProcessEnv = process.env,
): Promise<MasterKeyProvider> {
  switch (spec.kind) {
    case 'pkcs11':
      return createPkcs11Provider({ uri: spec.target, env })
    case 'aws-kms': {
      const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined
      const endpoint = env.AWS_ENDPOINT_URL_KMS || env.AWS_ENDPOINT_URL || undefined
      return createAwsKmsProvider({
        keyId: spec.target,
        ...(region === undefined ? {} : { region }),
        ...(endpoint === undefined ? {} : { endpoint }),
      })
    }
    case 'vault-transit': {
      const slash = spec.target.lastIndexOf('/')
      const key = spec.target.slice(slash + 1)
      const mount = slash < 0 ? undefined : spec.target.slice(0, slash)
      return createVaultTransitProvider({ key, ...(mount === undefined ? {} : { mount }), env })
    }
    default:
      throw invalidOption('master key provider', `${spec.kind} is held by the keyring itself`)
  }
}

/**
 * The data keys of `usage` and `reencrypt`: a keyring (`--store`, or `FIELDSEAL_KEYSTORE`) or
 * the simple key list in `FIELDSEAL_KEYS` (`--env-keys`, or when it alone is set). When both
 * environment variables are set the command refuses to guess: re-encrypting to the wrong active
 * key would be a quiet mistake.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import type { KeySource } from '../crypto/key-source.js'
import { KEYSTORE_ENV_VAR, type Keyring } from '../keyring/index.js'
import type { PolicyOptions } from '../core/policy.js'
import { KEYS_ENV_VAR, keysFromEnv, staticKeySource } from '../crypto/static-keys.js'
import { booleanFlag, type CommandContext } from './command.js'
import { UsageError } from './exit-codes.js'
import { STORE_FLAGS } from './keystore.js'
import { openStoreKeyring } from './open-keyring.js'

/** Help text of the flags that choose data keys. */
export const DATA_KEY_FLAGS: Readonly<Record<string, string>> = {
  ...STORE_FLAGS,
  'env-keys': `use the data keys in $${KEYS_ENV_VAR} (newest first) instead of a key store`,
}

/**
 * A policy that selects no field by name: without `--fields`, the CLI handles every `enc:` value
 * it finds and judges no plaintext, since it cannot know the application's field list.
 */
export const NO_NAME_POLICY: PolicyOptions = Object.freeze({
  encryptPii: false,
  encryptFinancial: false,
  encryptedFields: [],
})

/** Data keys opened for a command. */
export interface DataKeys {
  readonly source: KeySource
  /** `key store <path>` or `FIELDSEAL_KEYS`. */
  readonly origin: string
  /** Id of the key new values are sealed with. */
  activeKid(): string | undefined
  /** Status of a key id: a keyring status, `decrypt-only` (FIELDSEAL_KEYS) or `unknown`. */
  status(kid: string): string
  close(): Promise<void>
}

function fromEnv(keys: string[]): DataKeys {
  const source = staticKeySource(keys)
  const active = source.encryptionKey().kid
  const known = new Set(source.legacyKeys().map((key) => key.kid))
  return {
    source,
    origin: KEYS_ENV_VAR,
    activeKid: () => active,
    status: (kid) => (kid === active ? 'active' : known.has(kid) ? 'decrypt-only' : 'unknown'),
    close: async () => undefined,
  }
}

function fromKeyring(keyring: Keyring, label: string, close: () => Promise<void>): DataKeys {
  return {
    source: keyring,
    origin: `key store ${label}`,
    activeKid: () => keyring.manager.getActiveKey('data')?.id,
    status: (kid) => keyring.manager.findKey(kid)?.status ?? 'unknown',
    close,
  }
}

/**
 * Opens the data keys the command line and environment name; `undefined` when none is named and
 * `required` is false.
 *
 * @example
 * ```ts
 * const keys = await openDataKeys(context, true)
 * const fieldseal = createFieldseal({ keyring: keys.source, policy: NO_NAME_POLICY })
 * ```
 */
export async function openDataKeys(context: CommandContext, required: true): Promise<DataKeys>
export async function openDataKeys(
  context: CommandContext,
  required: boolean,
): Promise<DataKeys | undefined>
export async function openDataKeys(
  context: CommandContext,
  required: boolean,
): Promise<DataKeys | undefined> {
  const envKeys = keysFromEnv(context.io.env)
  const storeInEnv = (context.io.env[KEYSTORE_ENV_VAR] ?? '').trim() !== ''
  const useEnvKeys = booleanFlag(context, 'env-keys')
  if (useEnvKeys && context.flags.has('store')) {
    throw new UsageError('give --store or --env-keys, not both', context.command)
  }
  const viaStore = async () => {
    const { keyring, label, close } = await openStoreKeyring(context)
    return fromKeyring(keyring, label, close)
  }
  if (useEnvKeys) {
    if (envKeys === undefined) {
      throw new FieldsealError('ERR_FIELDSEAL_NO_KEY', `--env-keys: ${KEYS_ENV_VAR} is not set`)
    }
    return fromEnv(envKeys)
  }
  if (context.flags.has('store')) return viaStore()
  if (storeInEnv && envKeys !== undefined) {
    throw new UsageError(
      `both ${KEYSTORE_ENV_VAR} and ${KEYS_ENV_VAR} are set: pass --store or --env-keys to choose`,
      context.command,
    )
  }
  if (storeInEnv) return viaStore()
  if (envKeys !== undefined) return fromEnv(envKeys)
  if (!required) return undefined
  throw new FieldsealError(
    'ERR_FIELDSEAL_NO_KEY',
    `no data keys: pass --store, or set ${KEYSTORE_ENV_VAR} or ${KEYS_ENV_VAR}`,
  )
}

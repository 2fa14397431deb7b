/**
 * Secrets the CLI reads: the master key or passphrase, from the environment or from a file
 * named by a flag — never from a flag's value, since the command line is visible to every user
 * of the machine (`ps`). Contents are never printed, not even in errors. A master key held by a
 * provider (`--master pkcs11:…`, `FIELDSEAL_MASTER_PROVIDER`) is named by a spec, which holds no
 * secret: the provider reads its PIN, token or credentials from the environment or a file.
 *
 * @module
 */
import { readFile, stat } from 'node:fs/promises'
import { FieldsealError } from '../errors.js'
import { MASTER_KEY_ENV_VAR, MASTER_PASSPHRASE_ENV_VAR } from '../keyring/index.js'
import {
  MASTER_PROVIDER_ENV_VAR,
  type MasterKeySpec,
  parseMasterKeySpec,
} from '../master-key/spec.js'
import { KEY_LENGTH } from '../crypto/aes-gcm.js'
import { decodeBase64Strict } from '../crypto/base64.js'
import { stringFlag, type CommandContext } from './command.js'
import { UsageError } from './exit-codes.js'
import { NEW_MASTER_KEY_ENV_VAR, NEW_MASTER_PASSPHRASE_ENV_VAR } from './secret-env.js'

// A key file holds 44 characters and a passphrase a line; anything larger is the wrong file.
const MAX_SECRET_FILE_BYTES = 64 * 1024

/** A master key input as the key manager's options take it, and where it came from. */
export type MasterSecret =
  | { readonly kind: 'key'; readonly masterKey: string; readonly from: string }
  | { readonly kind: 'passphrase'; readonly passphrase: string; readonly from: string }
  | { readonly kind: 'provider'; readonly spec: string; readonly from: string }

/**
 * Reads a secret file: at most 64 KiB, its final line end removed. Warns on stderr when other
 * users may read it. A missing or unreadable file is `ERR_FIELDSEAL_NO_KEY` (exit code 3).
 *
 * @example
 * ```ts
 * const key = await readSecretFile(context, '/run/secrets/fieldseal-master')
 * ```
 */
export async function readSecretFile(context: CommandContext, path: string): Promise<string> {
  let text: string
  try {
    const info = await stat(path)
    if (!info.isFile() || info.size > MAX_SECRET_FILE_BYTES) {
      throw new FieldsealError('ERR_FIELDSEAL_NO_KEY', `${path} is not a key or passphrase file`)
    }
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      const mode = (info.mode & 0o777).toString(8)
      context.out.note(`warning: ${path} is readable by other users (mode ${mode}); chmod 600 it`)
    }
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (error instanceof FieldsealError) throw error
    const code = (error as NodeJS.ErrnoException).code ?? 'read error'
    throw new FieldsealError('ERR_FIELDSEAL_NO_KEY', `cannot read ${path} (${code})`, {
      cause: error,
    })
  }
  return text.replace(/\r?\n$/, '')
}

/**
 * `text` if it is a master key (strict base64 of 32 bytes); else `ERR_FIELDSEAL_INVALID_KEY`
 * naming where it came from (`FIELDSEAL_MASTER_KEY`, a file), which the operator can fix, rather
 * than the library option the CLI passes it to.
 */
function checkedMasterKey(text: string, label: string): string {
  const bytes = decodeBase64Strict(text.trim())
  const length = bytes?.length
  bytes?.fill(0)
  if (length === KEY_LENGTH) return text
  const why = length === undefined ? 'is not canonical base64' : `decodes to ${length} bytes`
  throw new FieldsealError(
    'ERR_FIELDSEAL_INVALID_KEY',
    `${label} is not a master key: it ${why}; use the base64 of ${KEY_LENGTH} random bytes, as "fieldseal keygen" prints`,
  )
}

/** Where a command looks for a master key: its flags and environment variables. */
interface MasterSources {
  /** The flag naming a provider spec (`--master`, `--to`), and the variable that may instead. */
  readonly specFlag: string
  readonly specEnv: string | undefined
  readonly keyFlag: string
  readonly passphraseFlag: string
  readonly keyEnv: string
  readonly passphraseEnv: string
}

/**
 * The provider spec a command was given, parsed (a usage error if it is none); `undefined`
 * when none was given.
 */
function specOf(context: CommandContext, sources: MasterSources): MasterKeySpec | undefined {
  const flag = stringFlag(context, sources.specFlag)
  const fromEnv =
    sources.specEnv === undefined ? undefined : context.io.env[sources.specEnv]?.trim()
  const text = flag ?? (fromEnv || undefined)
  if (text === undefined) return undefined
  const where = flag === undefined ? (sources.specEnv as string) : `--${sources.specFlag}`
  try {
    return parseMasterKeySpec(text, where)
  } catch (error) {
    throw new UsageError((error as Error).message, context.command)
  }
}

async function secretFrom(
  context: CommandContext,
  sources: MasterSources,
): Promise<MasterSecret | undefined> {
  const { keyFlag, passphraseFlag, keyEnv, passphraseEnv } = sources
  const keyFile = stringFlag(context, keyFlag)
  const passphraseFile = stringFlag(context, passphraseFlag)
  if (keyFile !== undefined && passphraseFile !== undefined) {
    throw new UsageError(`give --${keyFlag} or --${passphraseFlag}, not both`, context.command)
  }
  const spec = specOf(context, sources)
  if (spec !== undefined && 'target' in spec) {
    if (keyFile !== undefined || passphraseFile !== undefined) {
      throw new UsageError(
        `--${keyFlag} and --${passphraseFlag} name a local master key; ${spec.kind} holds its own`,
        context.command,
      )
    }
    const from =
      stringFlag(context, sources.specFlag) === undefined
        ? (sources.specEnv as string)
        : `--${sources.specFlag}`
    const text = spec.kind === 'pkcs11' ? spec.target : `${spec.kind}:${spec.target}`
    return { kind: 'provider', spec: text, from }
  }
  if (spec?.kind === 'env' && passphraseFile !== undefined) {
    throw new UsageError(`--${passphraseFlag} names a passphrase, not a raw key`, context.command)
  }
  if (spec?.kind === 'passphrase' && keyFile !== undefined) {
    throw new UsageError(`--${keyFlag} names a raw key, not a passphrase`, context.command)
  }
  if (keyFile !== undefined) {
    const masterKey = checkedMasterKey(
      await readSecretFile(context, keyFile),
      `the master key in ${keyFile}`,
    )
    return { kind: 'key', masterKey, from: keyFile }
  }
  if (passphraseFile !== undefined) {
    const passphrase = await readSecretFile(context, passphraseFile)
    return { kind: 'passphrase', passphrase, from: passphraseFile }
  }
  const key = spec?.kind === 'passphrase' ? undefined : context.io.env[keyEnv]
  const passphrase = spec?.kind === 'env' ? undefined : context.io.env[passphraseEnv]
  if (key?.trim() && passphrase) {
    throw new UsageError(`set ${keyEnv} or ${passphraseEnv}, not both`, context.command)
  }
  if (key?.trim()) return { kind: 'key', masterKey: checkedMasterKey(key, keyEnv), from: keyEnv }
  if (passphrase) return { kind: 'passphrase', passphrase, from: passphraseEnv }
  if (spec !== undefined) {
    const name = spec.kind === 'env' ? keyEnv : passphraseEnv
    const file = spec.kind === 'env' ? keyFlag : passphraseFlag
    throw new FieldsealError(
      'ERR_FIELDSEAL_NO_KEY',
      `no master key: ${spec.kind} names ${name} or --${file}, and neither is given`,
    )
  }
  return undefined
}

const CURRENT: MasterSources = {
  specFlag: 'master',
  specEnv: MASTER_PROVIDER_ENV_VAR,
  keyFlag: 'master-key-file',
  passphraseFlag: 'passphrase-file',
  keyEnv: MASTER_KEY_ENV_VAR,
  passphraseEnv: MASTER_PASSPHRASE_ENV_VAR,
}

const NEXT: MasterSources = {
  specFlag: 'to',
  specEnv: undefined,
  keyFlag: 'new-master-key-file',
  passphraseFlag: 'new-passphrase-file',
  keyEnv: NEW_MASTER_KEY_ENV_VAR,
  passphraseEnv: NEW_MASTER_PASSPHRASE_ENV_VAR,
}

/**
 * The master key that opens the keyring: `--master SPEC` or `FIELDSEAL_MASTER_PROVIDER` for a
 * provider; else `--master-key-file`, `--passphrase-file`, `FIELDSEAL_MASTER_KEY` or
 * `FIELDSEAL_MASTER_PASSPHRASE`. `ERR_FIELDSEAL_NO_KEY` when none.
 *
 * @example
 * ```ts
 * const master = await currentMaster(context) // { kind: 'key', masterKey, from: 'FIELDSEAL_MASTER_KEY' }
 * ```
 */
export async function currentMaster(context: CommandContext): Promise<MasterSecret> {
  const secret = await secretFrom(context, CURRENT)
  if (secret === undefined) {
    throw new FieldsealError(
      'ERR_FIELDSEAL_NO_KEY',
      `no master key: set ${MASTER_KEY_ENV_VAR}, ${MASTER_PASSPHRASE_ENV_VAR} or ${MASTER_PROVIDER_ENV_VAR}, or pass --master-key-file, --passphrase-file or --master`,
    )
  }
  return secret
}

/**
 * The new master key of `keys rewrap`: `--to SPEC` for a provider; else `--new-master-key-file`,
 * `--new-passphrase-file`, `FIELDSEAL_NEW_MASTER_KEY` or `FIELDSEAL_NEW_MASTER_PASSPHRASE`. A
 * usage error when none.
 *
 * @example
 * ```ts
 * const next = await newMaster(context)
 * ```
 */
export async function newMaster(context: CommandContext): Promise<MasterSecret> {
  const secret = await secretFrom(context, NEXT)
  if (secret === undefined) {
    throw new UsageError(
      `no new master key: pass --to, set ${NEW_MASTER_KEY_ENV_VAR} or ${NEW_MASTER_PASSPHRASE_ENV_VAR}, or pass --new-master-key-file or --new-passphrase-file`,
      context.command,
    )
  }
  return secret
}

/**
 * The key manager options for a master secret.
 *
 * @example
 * ```ts
 * openKeyManager({ store, ...masterOptions(await currentMaster(context)) })
 * ```
 */
export function masterOptions(
  secret: MasterSecret,
): { masterKey: string } | { passphrase: string } | { masterKeyProvider: string } {
  if (secret.kind === 'provider') return { masterKeyProvider: secret.spec }
  return secret.kind === 'key' ? { masterKey: secret.masterKey } : { passphrase: secret.passphrase }
}

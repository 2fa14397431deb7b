/**
 * Secrets the CLI reads: the master key or passphrase, from the environment or from a file
 * named by a flag — never from a flag's value, since the command line is visible to every user
 * of the machine (`ps`). Contents are never printed, not even in errors.
 *
 * @module
 */
import { readFile, stat } from 'node:fs/promises'
import { FieldsealError } from '../errors.js'
import { MASTER_KEY_ENV_VAR, MASTER_PASSPHRASE_ENV_VAR } from '../keyring/index.js'
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

async function secretFrom(
  context: CommandContext,
  keyFlag: string,
  passphraseFlag: string,
  keyEnv: string,
  passphraseEnv: string,
): Promise<MasterSecret | undefined> {
  const keyFile = stringFlag(context, keyFlag)
  const passphraseFile = stringFlag(context, passphraseFlag)
  if (keyFile !== undefined && passphraseFile !== undefined) {
    throw new UsageError(`give --${keyFlag} or --${passphraseFlag}, not both`, context.command)
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
  const key = context.io.env[keyEnv]
  const passphrase = context.io.env[passphraseEnv]
  if (key?.trim() && passphrase) {
    throw new UsageError(`set ${keyEnv} or ${passphraseEnv}, not both`, context.command)
  }
  if (key?.trim()) return { kind: 'key', masterKey: checkedMasterKey(key, keyEnv), from: keyEnv }
  if (passphrase) return { kind: 'passphrase', passphrase, from: passphraseEnv }
  return undefined
}

/**
 * The master key that opens the keyring: `--master-key-file`, `--passphrase-file`, else
 * `FIELDSEAL_MASTER_KEY` or `FIELDSEAL_MASTER_PASSPHRASE`. `ERR_FIELDSEAL_NO_KEY` when none.
 *
 * @example
 * ```ts
 * const master = await currentMaster(context) // { kind: 'key', masterKey, from: 'FIELDSEAL_MASTER_KEY' }
 * ```
 */
export async function currentMaster(context: CommandContext): Promise<MasterSecret> {
  const secret = await secretFrom(
    context,
    'master-key-file',
    'passphrase-file',
    MASTER_KEY_ENV_VAR,
    MASTER_PASSPHRASE_ENV_VAR,
  )
  if (secret === undefined) {
    throw new FieldsealError(
      'ERR_FIELDSEAL_NO_KEY',
      `no master key: set ${MASTER_KEY_ENV_VAR} or ${MASTER_PASSPHRASE_ENV_VAR}, or pass --master-key-file or --passphrase-file`,
    )
  }
  return secret
}

/**
 * The new master key of `keys rewrap`: `--new-master-key-file`, `--new-passphrase-file`, else
 * `FIELDSEAL_NEW_MASTER_KEY` or `FIELDSEAL_NEW_MASTER_PASSPHRASE`. A usage error when none.
 *
 * @example
 * ```ts
 * const next = await newMaster(context)
 * ```
 */
export async function newMaster(context: CommandContext): Promise<MasterSecret> {
  const secret = await secretFrom(
    context,
    'new-master-key-file',
    'new-passphrase-file',
    NEW_MASTER_KEY_ENV_VAR,
    NEW_MASTER_PASSPHRASE_ENV_VAR,
  )
  if (secret === undefined) {
    throw new UsageError(
      `no new master key: set ${NEW_MASTER_KEY_ENV_VAR} or ${NEW_MASTER_PASSPHRASE_ENV_VAR}, or pass --new-master-key-file or --new-passphrase-file`,
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
): { masterKey: string } | { passphrase: string } {
  return secret.kind === 'key' ? { masterKey: secret.masterKey } : { passphrase: secret.passphrase }
}

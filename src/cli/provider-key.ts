/**
 * `--generate-key`: the master key made inside the token before a keyring is created under it
 * (`keys init --master pkcs11:…`, `keys rewrap --to pkcs11:…`). Only PKCS#11 needs it: a KMS key
 * or a Vault Transit key is made with the service's own tools, with its policies.
 *
 * @module
 */
import { generatePkcs11Key } from '../master-key/pkcs11/provider.js'
import { booleanFlag, type CommandContext } from './command.js'
import { UsageError } from './exit-codes.js'
import type { MasterSecret } from './secret-file.js'

/** Help text of `--generate-key`. */
export const GENERATE_KEY_FLAG =
  'first generate the PKCS#11 master key the URI names (AES-256, never extractable) in the token'

/**
 * Generates the token key of `master` when `--generate-key` is given (a usage error for any
 * other master key).
 *
 * @example
 * ```ts
 * await generateKeyIfAsked(context, await currentMaster(context))
 * ```
 */
export async function generateKeyIfAsked(
  context: CommandContext,
  master: MasterSecret,
): Promise<void> {
  if (!booleanFlag(context, 'generate-key')) return
  if (master.kind !== 'provider' || !master.spec.startsWith('pkcs11:')) {
    throw new UsageError('--generate-key applies to a pkcs11: master key only', context.command)
  }
  await generatePkcs11Key({ uri: master.spec, env: context.io.env })
  context.out.note(`generated the master key ${master.spec} in its token`)
}

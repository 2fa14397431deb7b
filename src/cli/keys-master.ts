/**
 * `keys import` (bring `FIELDSEAL_KEYS` or a reference-era key into a keyring) and `keys rewrap`
 * (change the master key: every key is rewrapped, no data is touched). Both read secrets from
 * the environment or from files, never from the command line.
 *
 * @module
 */
import { KEYS_ENV_VAR, keysFromEnv } from '../crypto/static-keys.js'
import { booleanFlag, numberFlag, stringFlag, type Command } from './command.js'
import { EXIT_OK, UsageError } from './exit-codes.js'
import { describeKey } from './key-format.js'
import { STORE_FLAGS } from './keystore.js'
import { withManager } from './open-keyring.js'
import { BY_FLAG, TTL_FLAG, ttlFlag } from './keys-change.js'
import { NEW_MASTER_KEY_ENV_VAR, NEW_MASTER_PASSPHRASE_ENV_VAR } from './secret-env.js'
import { GENERATE_KEY_FLAG, generateKeyIfAsked } from './provider-key.js'
import { masterOptions, newMaster, readSecretFile } from './secret-file.js'

/** `fieldseal keys import`. */
export const keysImport: Command = {
  name: 'keys import',
  summary: `import data keys from $${KEYS_ENV_VAR} or a file (values they sealed keep decrypting)`,
  usage: '[--file FILE] [--no-activate] [--ttl-days N|none]',
  args: [0, 0],
  flags: {
    file: 'read base64 keys from FILE, one per line, newest first ("#" starts a comment)',
    'no-activate':
      'import every key as pending_rotation (decrypt only); default: the newest becomes active',
    'ttl-days': TTL_FLAG,
    by: BY_FLAG,
    ...STORE_FLAGS,
  },
  description:
    `Without --file, reads $${KEYS_ENV_VAR} (comma-separated, newest first, as the simple key mode ` +
    'uses it). Key ids stay the fingerprints the simple mode wrote into values. Keys already in the ' +
    'keyring are skipped; a retired key cannot come back.',
  examples: [`${KEYS_ENV_VAR}=… fieldseal keys import --store keys/keyring.json`],
  async run(context) {
    const file = stringFlag(context, 'file')
    const keys =
      file === undefined
        ? keysFromEnv(context.io.env)
        : (await readSecretFile(context, file))
            .split(/\r?\n/)
            .map((line) => line.replace(/#.*/, '').trim())
            .filter((line) => line !== '')
    if (keys === undefined || keys.length === 0) {
      throw new UsageError(
        file === undefined
          ? `nothing to import: ${KEYS_ENV_VAR} is not set`
          : `nothing to import: ${file} holds no key`,
        context.command,
      )
    }
    const activate = booleanFlag(context, 'no-activate') ? { activate: false as const } : {}
    const imported = await withManager(context, { allowEmpty: true }, async ({ manager }) =>
      manager.importKeys(keys, { ...activate, ...ttlFlag(context) }),
    )
    context.out.result({ imported }, () =>
      imported.length === 0
        ? 'nothing to do: every key is already in the keyring\n'
        : imported.map((key) => `imported ${describeKey(key)}\n`).join(''),
    )
    return EXIT_OK
  },
}

/** `fieldseal keys rewrap`. */
export const keysRewrap: Command = {
  name: 'keys rewrap',
  summary: 'change the master key: rewrap every key under a new one (data untouched)',
  usage:
    '[--to SPEC [--generate-key]] [--new-master-key-file FILE | --new-passphrase-file FILE] [--pbkdf2-iterations N]',
  args: [0, 0],
  flags: {
    to: 'the new master key: env, passphrase, pkcs11:<URI>, aws-kms:<key> or vault-transit:[<mount>/]<key> (default: env or passphrase, from the variables below)',
    'generate-key': GENERATE_KEY_FLAG,
    'new-master-key-file': `read the new master key (base64) from FILE, not $${NEW_MASTER_KEY_ENV_VAR}`,
    'new-passphrase-file': `read the new passphrase from FILE, not $${NEW_MASTER_PASSPHRASE_ENV_VAR}`,
    'pbkdf2-iterations': 'PBKDF2 iterations for a new passphrase (default: 600000)',
    by: BY_FLAG,
    ...STORE_FLAGS,
  },
  description:
    'Moves the keyring from any master key to any other, in one save. The current master key ' +
    'opens the keyring (--master, FIELDSEAL_MASTER_PROVIDER, FIELDSEAL_MASTER_KEY, ' +
    'FIELDSEAL_MASTER_PASSPHRASE or --master-key-file); the new one is --to a provider, or a raw ' +
    `key or passphrase from $${NEW_MASTER_KEY_ENV_VAR}, $${NEW_MASTER_PASSPHRASE_ENV_VAR} or a ` +
    'file — never a secret in an argument, which other users can see in the process list. A ' +
    'provider reads its PIN, token or credentials from its own variables ' +
    '(docs/master-key-providers.md). Afterwards only the new master key opens the keyring: ' +
    'configure it on every instance.',
  examples: [
    `${NEW_MASTER_KEY_ENV_VAR}=$(fieldseal keygen) fieldseal keys rewrap`,
    'fieldseal keys rewrap --new-master-key-file /run/secrets/new-master',
    'fieldseal keys rewrap --to aws-kms:alias/fieldseal',
    'FIELDSEAL_MASTER_PROVIDER=aws-kms:alias/fieldseal fieldseal keys rewrap --to "pkcs11:token=hsm;object=fieldseal" --generate-key',
  ],
  async run(context) {
    const iterations = numberFlag(context, 'pbkdf2-iterations', { min: 1, integer: true })
    const next = await newMaster(context)
    if (iterations !== undefined && next.kind !== 'passphrase') {
      throw new UsageError('--pbkdf2-iterations applies to a new passphrase only', context.command)
    }
    await generateKeyIfAsked(context, next)
    const by = stringFlag(context, 'by')
    const result = await withManager(context, {}, async ({ manager }) => {
      const previous = manager.masterKeyId
      await manager.rewrap({
        ...masterOptions(next),
        ...(iterations === undefined ? {} : { pbkdf2Iterations: iterations }),
        ...(by === undefined ? {} : { rotatedBy: by }),
      })
      const keys = manager.listKeys()
      return {
        masterKeyId: manager.masterKeyId,
        previousMasterKeyId: previous,
        source: manager.masterKeySource,
        // Only keys with material are rewrapped; a retired key has none.
        keys: keys.filter((k) => k.hasMaterial).length,
        withoutMaterial: keys.filter((k) => !k.hasMaterial).length,
      }
    })
    context.out.result(result, () => {
      const keys = `${result.keys} ${result.keys === 1 ? 'key' : 'keys'}`
      const retired =
        result.withoutMaterial === 0
          ? ''
          : `${result.withoutMaterial} retired ${result.withoutMaterial === 1 ? 'key had' : 'keys had'} no material to rewrap\n`
      return `rewrapped ${keys} under master key ${result.masterKeyId} (was ${result.previousMasterKeyId})\n${retired}`
    })
    context.out.note(`from now on only the new master key (from ${next.from}) opens this keyring`)
    return EXIT_OK
  },
}

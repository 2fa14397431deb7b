/**
 * The key lifecycle from the command line: `keys init`, `rotate`, `retire`, `deactivate` and
 * `reactivate`. Each prints the key it touched (metadata only) and records `--by NAME` (default
 * `cli:<login>`) as the actor in the keyring and its audit events.
 *
 * @module
 */
import { isFieldsealError } from '../errors.js'
import { STORED_KEY_TYPES, type KeyInfo, type KeyType } from '../keyring/index.js'
import {
  booleanFlag,
  choiceFlag,
  keyIdFlag,
  listFlag,
  numberFlag,
  stringFlag,
  type Command,
  type CommandContext,
} from './command.js'
import { EXIT_OK, UsageError } from './exit-codes.js'
import { describeKey } from './key-format.js'
import { STORE_FLAGS } from './keystore.js'
import { GENERATE_KEY_FLAG, generateKeyIfAsked } from './provider-key.js'
import { currentMaster } from './secret-file.js'
import { withManager } from './open-keyring.js'
import { readUsageReports } from './usage-file.js'

/** Help text of `--by`. */
export const BY_FLAG = 'who acts, for the audit trail (default: cli:<login name>)'
/** Help text of `--ttl-days`. */
export const TTL_FLAG = 'lifetime of new keys in days, or "none" (default: 90)'

/**
 * `--ttl-days N|none` as the key manager takes it; `undefined` when absent.
 *
 * @example
 * ```ts
 * ttlFlag(context) // 30, null or undefined
 * ```
 */
export function ttlFlag(context: CommandContext): { ttlDays?: number | null } {
  if (stringFlag(context, 'ttl-days') === 'none') return { ttlDays: null }
  const days = numberFlag(context, 'ttl-days', { min: 0, max: 36_500 })
  if (days === 0) throw new UsageError('--ttl-days must be above 0, or "none"', context.command)
  return days === undefined ? {} : { ttlDays: days }
}

function oneType(context: CommandContext): KeyType {
  const types = choiceFlag(context, 'type', STORED_KEY_TYPES) ?? ['data']
  if (types.length > 1) throw new UsageError('--type takes one type', context.command)
  return types[0] as KeyType
}

function keyResult(context: CommandContext, key: KeyInfo, verb: string): number {
  context.out.result({ key }, () => `${verb} ${describeKey(key)}\n`)
  return EXIT_OK
}

/** `fieldseal keys init`. */
export const keysInit: Command = {
  name: 'keys init',
  summary: 'create the keyring, or the active key of each type that has none',
  usage:
    '[--types data,signing] [--ttl-days N|none] [--pbkdf2-iterations N] [--master SPEC [--generate-key]]',
  args: [0, 0],
  flags: {
    'generate-key': GENERATE_KEY_FLAG,
    types: `key types that need an active key: ${STORED_KEY_TYPES.join(', ')} (default: data)`,
    'ttl-days': TTL_FLAG,
    'pbkdf2-iterations': 'PBKDF2 iterations for a new passphrase keyring (default: 600000)',
    by: BY_FLAG,
    ...STORE_FLAGS,
  },
  description:
    'Idempotent: on a keyring that already has the keys it does nothing. A new keyring is ' +
    'protected by the master key in use: --master (a provider: an HSM through PKCS#11, AWS KMS, ' +
    'Vault Transit; see docs/master-key-providers.md), FIELDSEAL_MASTER_PROVIDER, ' +
    'FIELDSEAL_MASTER_KEY or FIELDSEAL_MASTER_PASSPHRASE.',
  examples: [
    'FIELDSEAL_MASTER_KEY=$(fieldseal keygen) fieldseal keys init --store keys/keyring.json',
    'FIELDSEAL_PKCS11_PIN_FILE=/run/secrets/pin fieldseal keys init --master "pkcs11:token=hsm;object=fieldseal" --generate-key',
    'AWS_REGION=eu-west-1 fieldseal keys init --master aws-kms:alias/fieldseal',
  ],
  async run(context) {
    const types = choiceFlag(context, 'types', STORED_KEY_TYPES)
    const iterations = numberFlag(context, 'pbkdf2-iterations', { min: 1, integer: true })
    await generateKeyIfAsked(context, await currentMaster(context))
    const created = await withManager(
      context,
      { allowEmpty: true, pbkdf2Iterations: iterations },
      async ({ manager, label }) => {
        const keys = await manager.initEncryptionKeys({
          ...(types ? { types } : {}),
          ...ttlFlag(context),
        })
        if (keys.length > 0) context.out.note(`key store: ${label}`)
        return keys
      },
    )
    context.out.result({ created }, () =>
      created.length === 0
        ? 'nothing to do: every type asked for already has an active key\n'
        : created.map((key) => `created ${describeKey(key)}\n`).join(''),
    )
    return EXIT_OK
  },
}

/** `fieldseal keys rotate`. */
export const keysRotate: Command = {
  name: 'keys rotate',
  summary: 'make a new active key; the old one keeps decrypting (pending_rotation)',
  usage: '[--type TYPE] [--by NAME] [--ttl-days N|none] [--if-active ID]',
  args: [0, 0],
  flags: {
    type: `type of key to rotate: ${STORED_KEY_TYPES.join(', ')} (default: data)`,
    by: 'who rotated, recorded on the old key (default: cli:<login name>)',
    'ttl-days': TTL_FLAG,
    'if-active': 'rotate only if ID is still the active key (safe for schedulers)',
    ...STORE_FLAGS,
  },
  description:
    'Running application instances pick the new key up at their next refresh, without a ' +
    'restart. Values sealed with the old key still decrypt; move them with "fieldseal reencrypt", ' +
    'then retire the old key.',
  examples: ['fieldseal keys rotate --by alice@example.com'],
  async run(context) {
    const type = oneType(context)
    const ifActive = keyIdFlag(context, 'if-active')
    const { key, before } = await withManager(context, {}, async ({ manager }) => {
      const active = manager.getActiveKey(type)
      const rotatedKey = await manager.rotateKey(type, {
        ...(ifActive === undefined ? {} : { ifActive }),
        ...ttlFlag(context),
      })
      return { key: rotatedKey, before: active?.id }
    })
    // With --if-active naming a key that is no longer active, the active key comes back unchanged.
    const rotated = key.id !== before
    const previous = rotated ? (before ?? null) : null
    context.out.result({ rotated, key, previous }, () =>
      !rotated
        ? `not rotated: ${ifActive} is not the active key; ${describeKey(key)} is\n`
        : `rotated: ${describeKey(key)}\n` +
          (previous === null
            ? ''
            : `${previous} is now pending_rotation: it still decrypts; re-encrypt its values, then retire it\n`),
    )
    return EXIT_OK
  },
}

/** `fieldseal keys retire`. */
export const keysRetire: Command = {
  name: 'keys retire',
  summary: 'retire a rotated-out or inactive key for good (its material is erased)',
  usage: 'ID [--usage FILE.json]... [--force]',
  args: [1, 1],
  keyIdArgument: true,
  flags: {
    usage: 'usage report(s) from "fieldseal usage --json"; refused while they show values under ID',
    force: 'retire without a report, or although values remain (they become unreadable)',
    by: BY_FLAG,
    ...STORE_FLAGS,
  },
  description:
    'Final: nothing decrypts with a retired key. A data key is retired only once no instance ' +
    'can still seal with it (minutes after its rotation: a refusal says until when), against ' +
    'usage reports of every data set taken after that showing no value (and no legacy value) ' +
    'left under it, or with --force.',
  examples: [
    'fieldseal usage customers.ndjson --json > usage.json',
    'fieldseal keys retire Xk3v9_Qa1Bc --usage usage.json',
  ],
  async run(context) {
    const id = context.args[0] as string
    const paths = listFlag(context, 'usage')
    const usage = paths === undefined ? undefined : await readUsageReports(paths, context.command)
    const force = booleanFlag(context, 'force')
    const key = await withManager(context, {}, async ({ manager }) =>
      manager.retireKey(id, { ...(usage ? { usage } : {}), force }),
    ).catch((error: unknown) => {
      if (isFieldsealError(error, 'ERR_FIELDSEAL_KEY_IN_USE') && usage === undefined) {
        context.out.note(
          'hint: fieldseal usage DATA.ndjson --json > usage.json, then --usage usage.json',
        )
      }
      throw error
    })
    if (force)
      context.out.note(`warning: forced; any value still sealed with ${id} is now unreadable`)
    return keyResult(context, key, 'retired')
  },
}

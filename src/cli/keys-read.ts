/**
 * `keys list`, `keys expiring` and `keys export-metadata`: reading a keyring's metadata. None of
 * them changes the keyring or shows material.
 *
 * @module
 */
import { KEY_STATUSES, KEY_TYPES, type KeyStatus, type KeyType } from '../keyring/index.js'
import { choiceFlag, numberFlag, type Command, type CommandContext } from './command.js'
import { EXIT_OK, UsageError } from './exit-codes.js'
import { keyTable } from './key-format.js'
import { STORE_FLAGS } from './keystore.js'
import { withManager } from './open-keyring.js'

function singleType(context: CommandContext): KeyType | undefined {
  const types = choiceFlag(context, 'type', KEY_TYPES)
  if (types !== undefined && types.length > 1) {
    throw new UsageError('--type takes one type', context.command)
  }
  return types?.[0]
}

/** `fieldseal keys list`. */
export const keysList: Command = {
  name: 'keys list',
  summary: 'list keys, newest version first (metadata only)',
  usage: '[--type TYPE] [--status STATUS[,STATUS]]',
  args: [0, 0],
  flags: {
    type: `only keys of this type: ${KEY_TYPES.join(', ')}`,
    status: `only keys in these statuses: ${KEY_STATUSES.join(', ')}`,
    ...STORE_FLAGS,
  },
  examples: ['fieldseal keys list --type data --status active,pending_rotation'],
  async run(context) {
    const type = singleType(context)
    const status = choiceFlag<KeyStatus>(context, 'status', KEY_STATUSES)
    const keys = await withManager(context, {}, async ({ manager }) =>
      manager.listKeys({ ...(type ? { type } : {}), ...(status ? { status } : {}) }),
    )
    context.out.result({ keys }, () => keyTable(keys))
    return EXIT_OK
  },
}

/** `fieldseal keys expiring`. */
export const keysExpiring: Command = {
  name: 'keys expiring',
  summary: 'active keys that expire within N days (expired ones included)',
  usage: '[--days N]',
  args: [0, 0],
  flags: { days: 'look this many days ahead (default: 7)', ...STORE_FLAGS },
  description: 'Rotate the keys it lists: fieldseal keys rotate --type TYPE.',
  examples: ['fieldseal keys expiring --days 14 --json'],
  async run(context) {
    const days = numberFlag(context, 'days', { min: 0, max: 36_500 }) ?? 7
    const keys = await withManager(context, {}, async ({ manager }) =>
      manager.checkExpiringKeys(days),
    )
    context.out.result({ days, keys }, () =>
      keys.length === 0 ? `no active key expires within ${days} days\n` : keyTable(keys),
    )
    return EXIT_OK
  },
}

/** `fieldseal keys export-metadata`. */
export const keysExportMetadata: Command = {
  name: 'keys export-metadata',
  summary: 'print the keyring metadata as JSON (for audits; no key material)',
  usage: '',
  args: [0, 0],
  flags: { ...STORE_FLAGS },
  description:
    'Prints every key (id, type, version, status, dates, counts) and the master key fingerprint. ' +
    'It holds nothing that decrypts: no key, wrapped or not, and no salt.',
  examples: ['fieldseal keys export-metadata > keyring-metadata.json'],
  async run(context) {
    const metadata = await withManager(context, {}, async ({ manager }) =>
      manager.exportKeyMetadata(),
    )
    context.out.result(metadata, () => `${JSON.stringify(metadata, null, 2)}\n`)
    return EXIT_OK
  },
}

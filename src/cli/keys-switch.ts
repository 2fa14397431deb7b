/**
 * `keys deactivate` and `keys reactivate`: switching a key off (it neither encrypts nor
 * decrypts) and back on, without losing it.
 *
 * @module
 */
import { KEY_STATUSES } from '../keyring/index.js'
import type { Command } from './command.js'
import { EXIT_OK } from './exit-codes.js'
import { describeKey } from './key-format.js'
import { BY_FLAG } from './keys-change.js'
import { STORE_FLAGS } from './keystore.js'
import { withManager } from './open-keyring.js'

function switchCommand(action: 'deactivate' | 'reactivate'): Command {
  const deactivate = action === 'deactivate'
  return {
    name: `keys ${action}`,
    summary: deactivate
      ? 'switch a key off: it neither encrypts nor decrypts until reactivated'
      : 'switch an inactive key back on',
    usage: 'ID',
    args: [1, 1],
    keyIdArgument: true,
    flags: { by: BY_FLAG, ...STORE_FLAGS },
    description: deactivate
      ? 'Values sealed with the key fail to decrypt (ERR_FIELDSEAL_KEY_UNAVAILABLE) while it is off; ' +
        `statuses: ${KEY_STATUSES.join(', ')}.`
      : 'The key becomes active again only if it is still the newest of its type; otherwise pending_rotation.',
    examples: [`fieldseal keys ${action} Xk3v9_Qa1Bc`],
    async run(context) {
      const id = context.args[0] as string
      const key = await withManager(context, {}, async ({ manager }) =>
        deactivate ? manager.deactivateKey(id) : manager.reactivateKey(id),
      )
      context.out.result({ key }, () => `${action}d ${describeKey(key)}\n`)
      return EXIT_OK
    },
  }
}

/** `fieldseal keys deactivate`. */
export const keysDeactivate = switchCommand('deactivate')
/** `fieldseal keys reactivate`. */
export const keysReactivate = switchCommand('reactivate')

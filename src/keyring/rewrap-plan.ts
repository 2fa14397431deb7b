/**
 * The plan of `rewrap`: every key wrapped again under a new master key, the data untouched.
 * Deriving a passphrase key is slow, so it happens once, before the plan runs.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { invalidOption } from '../util/option-checks.js'
import { rewrapRecords } from './key-mint.js'
import { callOptions, plan, type Plan } from './manager-plan.js'
import { actorOption, resolveMasterOption, type KeyManagerConfig } from './manager-options.js'
import { createMasterKey } from './master-key.js'

/**
 * Plan of `rewrap` (async: deriving a passphrase key takes a while).
 *
 * @example
 * ```ts
 * await session.change(await rewrapPlan(config, { passphrase: next }))
 * ```
 */
export async function rewrapPlan(config: KeyManagerConfig, options: unknown): Promise<Plan> {
  const o = callOptions(
    options,
    ['masterKey', 'passphrase', 'pbkdf2Iterations', 'rotatedBy'],
    'rewrap',
  )
  if (o.masterKey === undefined && o.passphrase === undefined) {
    throw invalidOption('rewrap', 'give the new masterKey or passphrase')
  }
  const { rotatedBy, ...masterOptions } = o
  const input = resolveMasterOption(masterOptions, {}, 'rewrap')
  const next = await createMasterKey(input)
  return plan(actorOption(rotatedBy, config.actor, 'rewrap'), ({ keys, master, exists }) => {
    if (!exists)
      throw new FieldsealError('ERR_FIELDSEAL_KEY_STATE', 'the keyring is empty: nothing to rewrap')
    const records = rewrapRecords(keys, master, next)
    return {
      keys: records,
      master: next,
      masterInput: input,
      result: {
        keys: [],
        // Retired keys have no material: nothing of theirs was rewrapped.
        events: [
          {
            kid: next.id,
            keyType: 'master',
            count: records.filter((r) => r.wrapped !== null).length,
          },
        ],
      },
    }
  })
}

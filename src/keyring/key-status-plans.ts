/**
 * Plans that move existing keys through their lifecycle: `rotateKey` (a new active version,
 * the old one pending), `retireKey`, `deactivateKey` and `reactivateKey`. Options are checked
 * once, when the plan is made.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { invalidOption } from '../util/option-checks.js'
import {
  activeRecord,
  assertStoredType,
  deactivateRecord,
  reactivateRecord,
  rotateRecords,
} from './key-lifecycle.js'
import { mintRecord } from './key-mint.js'
import { retireRecord, type KeyUsageLike } from './key-retire.js'
import { callOptions, mint, plan, touched, type Plan } from './manager-plan.js'
import { actorOption, ttlOption, type KeyManagerConfig } from './manager-options.js'
import type { KeyType } from './types.js'

/**
 * Plan of `rotateKey`.
 *
 * @example
 * ```ts
 * const [fresh] = (await session.change(rotatePlan(config, 'data', { rotatedBy: 'ops' }))).keys
 * ```
 */
export function rotatePlan(config: KeyManagerConfig, type: KeyType, options: unknown): Plan {
  assertStoredType(type)
  const o = callOptions(options, ['rotatedBy', 'ttlDays', 'ifActive'], 'rotateKey')
  const by = actorOption(o.rotatedBy, config.actor, 'rotateKey')
  const ttlDays = ttlOption(o.ttlDays, config.ttlDays, 'rotateKey')
  if (o.ifActive !== undefined && typeof o.ifActive !== 'string') {
    throw invalidOption('rotateKey', 'ifActive must be a key id')
  }
  return plan(by, ({ keys, master }) => {
    const active = activeRecord(keys, type)
    if (o.ifActive !== undefined && active?.id !== o.ifActive) {
      if (active === undefined) {
        throw new FieldsealError('ERR_FIELDSEAL_KEY_STATE', `${type} has no active key to rotate`)
      }
      return { result: { keys: [active], events: [] } }
    }
    const context = mint(config, ttlDays)
    const fresh = mintRecord(keys, master, type, context)
    return touched(rotateRecords(keys, fresh, context.now.toISOString(), by), fresh)
  })
}

/**
 * Plan of `retireKey`.
 *
 * @example
 * ```ts
 * await session.change(retirePlan(config, kid, { usage: report }))
 * ```
 */
export function retirePlan(config: KeyManagerConfig, id: string, options: unknown): Plan {
  const o = callOptions(options, ['usage', 'force', 'actor'], 'retireKey')
  const usage = o.usage as KeyUsageLike | undefined
  if (usage !== undefined && (typeof usage?.byKid !== 'object' || usage.byKid === null)) {
    throw new TypeError('retireKey: usage must be a usage report with a byKid object')
  }
  const startedAt = usage?.startedAt
  if (startedAt !== undefined && startedAt !== null && typeof startedAt !== 'string') {
    throw new TypeError('retireKey: usage.startedAt must be an ISO 8601 string or null')
  }
  if (o.force !== undefined && typeof o.force !== 'boolean')
    throw invalidOption('retireKey', 'force must be a boolean')
  const force = o.force === true
  return plan(actorOption(o.actor, config.actor, 'retireKey'), ({ keys, maxRefreshIntervalMs }) => {
    const lease = { maxRefreshIntervalMs }
    const { records, record } = retireRecord(keys, id, { usage, force, lease, now: config.now() })
    return touched(records, record)
  })
}

/**
 * Plan of `deactivateKey`.
 *
 * @example
 * ```ts
 * await session.change(deactivatePlan(config, kid, { actor: 'ops' }))
 * ```
 */
export function deactivatePlan(config: KeyManagerConfig, id: string, options: unknown): Plan {
  const o = callOptions(options, ['actor'], 'deactivateKey')
  return plan(actorOption(o.actor, config.actor, 'deactivateKey'), ({ keys }) => {
    const { records, record } = deactivateRecord(keys, id, config.now().toISOString())
    return touched(records, record)
  })
}

/**
 * Plan of `reactivateKey`.
 *
 * @example
 * ```ts
 * await session.change(reactivatePlan(config, kid, { actor: 'ops' }))
 * ```
 */
export function reactivatePlan(config: KeyManagerConfig, id: string, options: unknown): Plan {
  const o = callOptions(options, ['actor'], 'reactivateKey')
  return plan(actorOption(o.actor, config.actor, 'reactivateKey'), ({ keys }) => {
    const { records, record } = reactivateRecord(keys, id)
    return touched(records, record)
  })
}

/**
 * Running one key manager plan against the store and reporting it: a success event per fact
 * the plan returns, or one failure event (with the error's code and key id, never its
 * message) before the coded error is rethrown.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import type { FieldsealOperation } from '../core/events.js'
import type { ChangeInput, ChangeOutput, KeySession } from './key-session.js'
import type { Plan, PlanResult } from './manager-plan.js'
import type { KeyManagerConfig } from './manager-options.js'
import type { KeyRecord } from './types.js'

/**
 * Runs `plan` as one change of `session` and reports the outcome to `config.onEvent` as
 * `operation`. Returns the records the plan touched.
 *
 * @example
 * ```ts
 * const records = await runPlan(session, config, 'key.rotate', rotatePlan(config, 'data', {}))
 * ```
 */
export async function runPlan(
  session: KeySession,
  config: Pick<KeyManagerConfig, 'onEvent'>,
  operation: FieldsealOperation,
  plan: Plan,
): Promise<readonly KeyRecord[]> {
  let outcome: PlanResult
  try {
    outcome = await session.change((input: ChangeInput): ChangeOutput<PlanResult> => plan(input))
  } catch (error) {
    if (error instanceof FieldsealError) {
      config.onEvent?.({
        operation,
        outcome: 'failure',
        code: error.code,
        actor: plan.actor,
        ...(error.kid === undefined ? {} : { kid: error.kid }),
      })
    }
    throw error
  }
  for (const event of outcome.events)
    config.onEvent?.({ operation, outcome: 'success', actor: plan.actor, ...event })
  return outcome.keys
}

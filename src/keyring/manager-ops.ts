/**
 * The key manager's changes as plans: each validates its call options once, then computes the
 * new records from whatever document the store holds at that moment (it may run again after a
 * conflict). A plan returns the keys it touched and the audit events to report.
 * Re-exports only.
 *
 * @module
 */
export { generatePlan, importPlan, initPlan } from './key-creation-plans.js'
export { deactivatePlan, reactivatePlan, retirePlan, rotatePlan } from './key-status-plans.js'
export type { Plan, PlanEvent, PlanResult } from './manager-plan.js'
export { rewrapPlan } from './rewrap-plan.js'

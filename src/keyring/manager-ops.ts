/**
 * The key manager's changes as plans: each validates its call options once, then computes the
 * new records from whatever document the store holds at that moment (it may run again after a
 * conflict). A plan returns the keys it touched and the audit events to report.
 *
 * @module
 */
import { invalidOption, optionsObject, rejectUnknownOptions } from '../option-checks.js'
import { decodeKey, keyFingerprint } from '../static-keys.js'
import type { ChangeInput, ChangeOutput } from './key-session.js'
import {
  activeRecord,
  assertStoredType,
  deactivateRecord,
  reactivateRecord,
  rotateRecords,
  STORED_KEY_TYPES,
} from './key-lifecycle.js'
import { retireRecord, type KeyUsageLike } from './key-retire.js'
import { importRecords, mintRecord, rewrapRecords, type MintContext } from './key-mint.js'
import {
  actorOption,
  resolveMasterOption,
  ttlOption,
  type KeyManagerConfig,
} from './manager-options.js'
import { createMasterKey } from './master-key.js'
import { FieldsealError } from '../errors.js'
import type { KeyRecord, KeyType } from './types.js'

/** Facts of one audit event a plan reports (the manager adds operation, outcome and actor). */
export interface PlanEvent {
  readonly kid?: string
  readonly keyType?: string
  readonly version?: number
  readonly count?: number
}

/** What a plan produced: the keys it touched and the events to report. */
export interface PlanResult {
  readonly keys: readonly KeyRecord[]
  readonly events: readonly PlanEvent[]
}

/** A change to run against the freshest document. */
export interface Plan {
  (input: ChangeInput): ChangeOutput<PlanResult>
  readonly actor: string
}

function callOptions(options: unknown, known: string[], where: string): Record<string, unknown> {
  const defined = optionsObject(options, where)
  rejectUnknownOptions(defined, known, where)
  return defined
}

function plan(actor: string, run: (input: ChangeInput) => ChangeOutput<PlanResult>): Plan {
  return Object.assign(run, { actor })
}

function described(records: readonly KeyRecord[]): PlanEvent[] {
  return records.map((r) => ({ kid: r.id, keyType: r.type, version: r.version }))
}

function touched(records: readonly KeyRecord[], record: KeyRecord): ChangeOutput<PlanResult> {
  return { keys: records, result: { keys: [record], events: described([record]) } }
}

function mint(config: KeyManagerConfig, ttlDays: number | null): MintContext {
  return { now: config.now(), ttlDays }
}

/** Plan of `initEncryptionKeys`. */
export function initPlan(config: KeyManagerConfig, options: unknown): Plan {
  const o = callOptions(options, ['types', 'ttlDays', 'actor'], 'initEncryptionKeys')
  const types = (o.types ?? ['data']) as KeyType[]
  if (!Array.isArray(types)) throw invalidOption('initEncryptionKeys', 'types must be an array')
  for (const type of types) {
    if (!STORED_KEY_TYPES.includes(type)) {
      throw invalidOption('initEncryptionKeys', `types may hold ${STORED_KEY_TYPES.join(', ')}`)
    }
  }
  const ttlDays = ttlOption(o.ttlDays, config.ttlDays, 'initEncryptionKeys')
  return plan(actorOption(o.actor, config.actor, 'initEncryptionKeys'), ({ keys, master }) => {
    let records = [...keys]
    const created: KeyRecord[] = []
    for (const type of types) {
      if (activeRecord(records, type) !== undefined) continue
      const fresh = mintRecord(records, master, type, mint(config, ttlDays))
      records = [...records, fresh]
      created.push(fresh)
    }
    const result = { keys: created, events: described(created) }
    return created.length === 0 ? { result } : { keys: records, result }
  })
}

/** Plan of `generateKey`. */
export function generatePlan(config: KeyManagerConfig, type: KeyType, options: unknown): Plan {
  assertStoredType(type)
  const o = callOptions(options, ['ttlDays', 'actor'], 'generateKey')
  const ttlDays = ttlOption(o.ttlDays, config.ttlDays, 'generateKey')
  return plan(actorOption(o.actor, config.actor, 'generateKey'), ({ keys, master }) => {
    const active = activeRecord(keys, type)
    if (active !== undefined) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_KEY_STATE',
        `${type} already has an active key; use rotateKey()`,
        {
          kid: active.id,
        },
      )
    }
    const fresh = mintRecord(keys, master, type, mint(config, ttlDays))
    return touched([...keys, fresh], fresh)
  })
}

/** Plan of `rotateKey`. */
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

/** Plan of `retireKey`. */
export function retirePlan(config: KeyManagerConfig, id: string, options: unknown): Plan {
  const o = callOptions(options, ['usage', 'force', 'actor'], 'retireKey')
  const usage = o.usage as KeyUsageLike | undefined
  if (usage !== undefined && (typeof usage?.byKid !== 'object' || usage.byKid === null)) {
    throw new TypeError('retireKey: usage must be a usage report with a byKid object')
  }
  if (o.force !== undefined && typeof o.force !== 'boolean')
    throw invalidOption('retireKey', 'force must be a boolean')
  const check = { usage, force: o.force === true }
  return plan(actorOption(o.actor, config.actor, 'retireKey'), ({ keys }) => {
    const { records, record } = retireRecord(keys, id, check)
    return touched(records, record)
  })
}

/** Plan of `deactivateKey`. */
export function deactivatePlan(config: KeyManagerConfig, id: string, options: unknown): Plan {
  const o = callOptions(options, ['actor'], 'deactivateKey')
  return plan(actorOption(o.actor, config.actor, 'deactivateKey'), ({ keys }) => {
    const { records, record } = deactivateRecord(keys, id)
    return touched(records, record)
  })
}

/** Plan of `reactivateKey`. */
export function reactivatePlan(config: KeyManagerConfig, id: string, options: unknown): Plan {
  const o = callOptions(options, ['actor'], 'reactivateKey')
  return plan(actorOption(o.actor, config.actor, 'reactivateKey'), ({ keys }) => {
    const { records, record } = reactivateRecord(keys, id)
    return touched(records, record)
  })
}

/** Plan of `importKeys`. */
export function importPlan(
  config: KeyManagerConfig,
  keys: ReadonlyArray<string | Uint8Array>,
  options: unknown,
): Plan {
  if (!Array.isArray(keys) || keys.length === 0)
    throw new TypeError('importKeys: keys must be a non-empty array')
  const o = callOptions(options, ['activate', 'ttlDays', 'actor'], 'importKeys')
  const kids = keys.map((key, index) =>
    keyFingerprint(decodeKey(key, `imported key #${index + 1}`)),
  )
  const activate = (o.activate ?? kids[0]) as string | false
  if (activate !== false && !kids.includes(activate)) {
    throw invalidOption(
      'importKeys',
      'activate must be the id of one of the imported keys, or false',
    )
  }
  const ttlDays = ttlOption(o.ttlDays, config.ttlDays, 'importKeys')
  const actor = actorOption(o.actor, config.actor, 'importKeys')
  return plan(actor, ({ keys: records, master }) => {
    const { records: next, added } = importRecords(
      records,
      master,
      keys,
      activate,
      mint(config, ttlDays),
      actor,
    )
    const result = { keys: added, events: described(added) }
    return added.length === 0 ? { result } : { keys: next, result }
  })
}

/** Plan of `rewrap` (async: deriving a passphrase key takes a while). */
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
      result: { keys: [], events: [{ kid: next.id, keyType: 'master', count: records.length }] },
    }
  })
}

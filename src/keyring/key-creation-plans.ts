/**
 * Plans that add keys to the keyring: `initEncryptionKeys` (the missing active keys),
 * `generateKey` (the first key of a type) and `importKeys` (existing raw keys, with their
 * fingerprint ids). Options are checked once, when the plan is made.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { invalidOption } from '../util/option-checks.js'
import { decodeKey, keyFingerprint } from '../crypto/static-keys.js'
import { activeRecord, assertStoredType, STORED_KEY_TYPES } from './key-lifecycle.js'
import { importRecords, mintRecord } from './key-mint.js'
import { callOptions, described, mint, plan, touched, type Plan } from './manager-plan.js'
import { actorOption, ttlOption, type KeyManagerConfig } from './manager-options.js'
import type { KeyRecord, KeyType } from './types.js'

/**
 * Plan of `initEncryptionKeys`.
 *
 * @example
 * ```ts
 * const created = await session.change(initPlan(config, { types: ['data'] }))
 * ```
 */
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

/**
 * Plan of `generateKey`.
 *
 * @example
 * ```ts
 * const [key] = (await session.change(generatePlan(config, 'data', {}))).keys
 * ```
 */
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

/**
 * Plan of `importKeys`.
 *
 * @example
 * ```ts
 * const added = await session.change(importPlan(config, [oldKeyBase64], { activate: false }))
 * ```
 */
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

import { describe, expect, it } from 'vitest'
import { retireRecord } from '../../../src/keyring/key-retire.js'
import type { KeyRecord } from '../../../src/keyring/types.js'
import { keyRecord } from '../../fixtures/keyring-document.js'

const STATE = expect.objectContaining({ code: 'ERR_FIELDSEAL_KEY_STATE' })
const IN_USE = expect.objectContaining({ code: 'ERR_FIELDSEAL_KEY_IN_USE' })

function ring(): KeyRecord[] {
  return [
    keyRecord({ id: 'd1', version: 1, status: 'retired', wrapped: null }),
    keyRecord({ id: 'd2', version: 2, status: 'pending_rotation' }),
    keyRecord({ id: 'd3', version: 3, status: 'active' }),
    keyRecord({ id: 's1', type: 'session', version: 1, status: 'inactive' }),
  ]
}

describe('retireRecord', () => {
  it('retires pending and inactive keys, erasing their material', () => {
    const usage = { byKid: { d3: 10 } }
    const { record } = retireRecord(ring(), 'd2', { usage, force: false })
    expect(record).toMatchObject({ status: 'retired', wrapped: null })
    expect(retireRecord(ring(), 's1', { usage: undefined, force: false }).record.wrapped).toBeNull()
  })

  it('refuses to retire the active key, a retired key, and a data key values may still use', () => {
    expect(() => retireRecord(ring(), 'd3', { usage: { byKid: {} }, force: true })).toThrow(STATE)
    expect(() => retireRecord(ring(), 'd1', { usage: { byKid: {} }, force: true })).toThrow(STATE)
    expect(() => retireRecord(ring(), 'd2', { usage: { byKid: { d2: 1 } }, force: false })).toThrow(
      IN_USE,
    )
    expect(() => retireRecord(ring(), 'd2', { usage: undefined, force: false })).toThrow(IN_USE)
    expect(
      retireRecord(ring(), 'd2', { usage: { byKid: { d2: 1 } }, force: true }).record.status,
    ).toBe('retired')
  })

  it('refuses to retire a data key while the report shows legacy values (they carry no key id)', () => {
    const usage = { byKid: {}, legacy: 3 }
    expect(() => retireRecord(ring(), 'd2', { usage, force: false })).toThrow(IN_USE)
    expect(retireRecord(ring(), 's1', { usage, force: false }).record.status).toBe('retired')
  })
})

import { describe, expect, it } from 'vitest'
import {
  activeRecord,
  addEncryptions,
  assertStoredType,
  deactivateRecord,
  findRecord,
  nextVersion,
  reactivateRecord,
  rotateRecords,
} from '../../../src/keyring/key-lifecycle.js'
import type { KeyRecord } from '../../../src/keyring/types.js'
import { keyRecord } from '../../fixtures/keyring-document.js'

const STATE = expect.objectContaining({ code: 'ERR_FIELDSEAL_KEY_STATE' })
const AT = '2030-01-01T00:00:00.000Z'

function ring(): KeyRecord[] {
  return [
    keyRecord({ id: 'd1', version: 1, status: 'retired', wrapped: null }),
    keyRecord({ id: 'd2', version: 2, status: 'pending_rotation' }),
    keyRecord({ id: 'd3', version: 3, status: 'active' }),
    keyRecord({ id: 's1', type: 'session', version: 1, status: 'inactive' }),
  ]
}

describe('key lifecycle', () => {
  it('rotation demotes the active key to pending_rotation, with when and who', () => {
    const fresh = keyRecord({ id: 'd4', version: 4 })
    const next = rotateRecords(ring(), fresh, '2030-01-01T00:00:00.000Z', 'ops')
    expect(findRecord(next, 'd3')).toMatchObject({
      status: 'pending_rotation',
      rotatedAt: '2030-01-01T00:00:00.000Z',
      rotatedBy: 'ops',
      activeUntil: '2030-01-01T00:00:00.000Z',
    })
    expect(activeRecord(next, 'data')?.id).toBe('d4')
    expect(next.filter((r) => r.status === 'active' && r.type === 'data')).toHaveLength(1)
  })

  it('versions count retired keys, so numbers are never reused', () => {
    expect(nextVersion(ring(), 'data')).toBe(4)
    expect(nextVersion(ring(), 'signing')).toBe(1)
  })

  it('deactivates active and pending keys only', () => {
    expect(deactivateRecord(ring(), 'd3', AT).record.status).toBe('inactive')
    expect(deactivateRecord(ring(), 'd2', AT).record.status).toBe('inactive')
    expect(() => deactivateRecord(ring(), 's1', AT)).toThrow(STATE)
    expect(() => deactivateRecord(ring(), 'd1', AT)).toThrow(STATE)
  })

  it('reactivates to active only the newest key of a type without an active key', () => {
    const off = deactivateRecord(ring(), 'd3', AT).records
    expect(reactivateRecord(off, 'd3').record.status).toBe('active')
    const bothOff = deactivateRecord(off, 'd2', AT).records
    expect(reactivateRecord(bothOff, 'd2').record.status).toBe('pending_rotation')
    expect(reactivateRecord(ring(), 's1').record.status).toBe('active')
    expect(() => reactivateRecord(ring(), 'd2')).toThrow(STATE)
  })

  it('records when a key stops being active (activeUntil), and clears it when it is active again', () => {
    const off = deactivateRecord(ring(), 'd3', AT)
    expect(off.record.activeUntil).toBe(AT)
    // A pending key stopped being active at its rotation, not now.
    expect(deactivateRecord(ring(), 'd2', '2031-01-01T00:00:00.000Z').record.activeUntil).toBeNull()
    expect(reactivateRecord(off.records, 'd3').record).toMatchObject({
      status: 'active',
      activeUntil: null,
    })
    expect(
      reactivateRecord(deactivateRecord(off.records, 'd2', AT).records, 'd2').record.activeUntil,
    ).toBeNull()
  })

  it('finds keys by id, or throws ERR_FIELDSEAL_KEY_NOT_FOUND', () => {
    expect(findRecord(ring(), 'd2').version).toBe(2)
    expect(() => findRecord(ring(), 'nope')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_KEY_NOT_FOUND', kid: 'nope' }),
    )
  })

  it('never stores the master type', () => {
    expect(() => assertStoredType('master')).toThrow(STATE)
    expect(() => assertStoredType('signing')).not.toThrow()
  })

  it('adds encryption counts to what is stored', () => {
    const next = addEncryptions(ring(), new Map([['d3', 5]]))
    expect(findRecord(next, 'd3').encryptions).toBe(5)
    expect(findRecord(addEncryptions(next, new Map([['d3', 2]])), 'd3').encryptions).toBe(7)
  })
})

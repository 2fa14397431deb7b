import { describe, expect, it } from 'vitest'
import {
  expiringRecords,
  filterRecords,
  isExpired,
  toKeyInfo,
} from '../../../src/keyring/key-info.js'
import { keyRecord } from '../../fixtures/keyring-document.js'

const records = [
  keyRecord({
    id: 'd1',
    version: 1,
    status: 'pending_rotation',
    expiresAt: '2030-01-05T00:00:00.000Z',
  }),
  keyRecord({ id: 'd2', version: 2, status: 'active', expiresAt: '2030-01-20T00:00:00.000Z' }),
  keyRecord({
    id: 's1',
    type: 'signing',
    version: 1,
    status: 'active',
    expiresAt: '2030-01-03T00:00:00.000Z',
  }),
  keyRecord({ id: 'x1', type: 'session', version: 1, status: 'active', expiresAt: null }),
]
const now = new Date('2030-01-01T00:00:00.000Z')

describe('key info', () => {
  it('toKeyInfo drops the wrapped material, adds unsaved encryptions and is frozen', () => {
    const info = toKeyInfo(keyRecord({ id: 'k', encryptions: 5 }), 3)
    expect(info).not.toHaveProperty('wrapped')
    expect(info).toMatchObject({ id: 'k', encryptions: 8, hasMaterial: true })
    expect(Object.isFrozen(info)).toBe(true)
    expect(toKeyInfo(keyRecord({ status: 'retired', wrapped: null })).hasMaterial).toBe(false)
  })

  it('filterRecords sorts newest version first, types in a stable order for equal versions', () => {
    expect(filterRecords(records).map((r) => r.id)).toEqual(['d2', 'd1', 'x1', 's1'])
    expect(filterRecords(records, { status: ['active'], type: 'data' }).map((r) => r.id)).toEqual([
      'd2',
    ])
  })

  it('expiringRecords lists active keys expiring within the window, soonest first', () => {
    expect(expiringRecords(records, 7, now).map((r) => r.id)).toEqual(['s1'])
    expect(expiringRecords(records, 30, now).map((r) => r.id)).toEqual(['s1', 'd2'])
    expect(isExpired(records[2]!, new Date('2030-01-03T00:00:00.000Z'))).toBe(true)
    expect(isExpired(records[3]!, new Date('2999-01-01T00:00:00.000Z'))).toBe(false)
  })
})

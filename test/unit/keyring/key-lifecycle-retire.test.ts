import { describe, expect, it } from 'vitest'
import { retireRecord, type RetireCheck } from '../../../src/keyring/key-lifecycle.js'
import type { KeyRecord } from '../../../src/keyring/types.js'
import { keyRecord } from '../../fixtures/keyring-document.js'

const STATE = expect.objectContaining({ code: 'ERR_FIELDSEAL_KEY_STATE' })
const IN_USE = expect.objectContaining({ code: 'ERR_FIELDSEAL_KEY_IN_USE' })
// d2 stopped being active at 10:00; with a 60 s refresh interval it is drained at
// 10:00 + 3 × 60 s + 60 s = 10:04.
const STOPPED = '2030-01-01T10:00:00.000Z'
const DRAINED = '2030-01-01T10:04:00.000Z'
const LATER = '2030-01-01T11:00:00.000Z'

function ring(): KeyRecord[] {
  return [
    keyRecord({ id: 'd1', version: 1, status: 'retired', wrapped: null, activeUntil: STOPPED }),
    keyRecord({ id: 'd2', version: 2, status: 'pending_rotation', activeUntil: STOPPED }),
    keyRecord({ id: 'd3', version: 3, status: 'active' }),
    keyRecord({ id: 's1', type: 'session', version: 1, status: 'inactive' }),
    // Imported as decrypt-only: it never sealed here, so there is nothing to wait for.
    keyRecord({ id: 'd0', version: 4, status: 'pending_rotation', activeUntil: null }),
  ]
}

function check(overrides: Partial<RetireCheck> = {}): RetireCheck {
  return {
    usage: { byKid: {}, legacy: 0, startedAt: LATER },
    force: false,
    lease: { maxRefreshIntervalMs: 60_000 },
    now: new Date(LATER),
    ...overrides,
  }
}

describe('retireRecord', () => {
  it('retires pending and inactive keys, erasing their material', () => {
    const { record } = retireRecord(
      ring(),
      'd2',
      check({ usage: { byKid: { d3: 10 }, startedAt: LATER } }),
    )
    expect(record).toMatchObject({ status: 'retired', wrapped: null })
    expect(retireRecord(ring(), 's1', check({ usage: undefined })).record.wrapped).toBeNull()
  })

  it('refuses to retire the active key, a retired key, and a data key values may still use', () => {
    expect(() => retireRecord(ring(), 'd3', check({ force: true }))).toThrow(STATE)
    expect(() => retireRecord(ring(), 'd1', check({ force: true }))).toThrow(STATE)
    expect(() =>
      retireRecord(ring(), 'd2', check({ usage: { byKid: { d2: 1 }, startedAt: LATER } })),
    ).toThrow(IN_USE)
    expect(() => retireRecord(ring(), 'd2', check({ usage: undefined }))).toThrow(IN_USE)
    const forced = check({ usage: { byKid: { d2: 1 } }, force: true, now: new Date(STOPPED) })
    expect(retireRecord(ring(), 'd2', forced).record.status).toBe('retired')
  })

  it('refuses to retire a data key while the report shows legacy values (they carry no key id)', () => {
    const usage = { byKid: {}, legacy: 3, startedAt: LATER }
    expect(() => retireRecord(ring(), 'd2', check({ usage }))).toThrow(IN_USE)
    expect(retireRecord(ring(), 's1', check({ usage })).record.status).toBe('retired')
  })

  it('waits until instances that had not refreshed can no longer seal with it, and says until when', () => {
    const early = check({ now: new Date('2030-01-01T10:03:59.000Z') })
    expect(() => retireRecord(ring(), 'd2', early)).toThrow(
      expect.objectContaining({
        code: 'ERR_FIELDSEAL_KEY_IN_USE',
        kid: 'd2',
        message: expect.stringContaining(`stopped being active at ${STOPPED}`),
      }),
    )
    expect(() => retireRecord(ring(), 'd2', early)).toThrow(
      expect.objectContaining({
        message: expect.stringContaining(`Wait until ${DRAINED} (1 s from now)`),
      }),
    )
    const onTime = check({ now: new Date(DRAINED), usage: { byKid: {}, startedAt: DRAINED } })
    expect(retireRecord(ring(), 'd2', onTime).record.status).toBe('retired')
  })

  it('the wait follows the longest refresh interval the keyring records', () => {
    const slow = { maxRefreshIntervalMs: 600_000 } // 3 × 10 min + 1 min = 10:31
    expect(() =>
      retireRecord(ring(), 'd2', check({ lease: slow, now: new Date('2030-01-01T10:30:00.000Z') })),
    ).toThrow(IN_USE)
    expect(retireRecord(ring(), 'd2', check({ lease: slow })).record.status).toBe('retired')
    // Format 1 documents record none: the default 60 s applies.
    expect(retireRecord(ring(), 'd2', check({ lease: undefined })).record.status).toBe('retired')
  })

  it('takes only a usage report started after the key was drained', () => {
    const before = check({ usage: { byKid: {}, startedAt: '2030-01-01T10:03:00.000Z' } })
    expect(() => retireRecord(ring(), 'd2', before)).toThrow(
      expect.objectContaining({
        code: 'ERR_FIELDSEAL_KEY_IN_USE',
        message: expect.stringContaining('was started at 2030-01-01T10:03:00.000Z, not after'),
      }),
    )
    for (const startedAt of [undefined, null, 'yesterday']) {
      expect(() => retireRecord(ring(), 'd2', check({ usage: { byKid: {}, startedAt } }))).toThrow(
        IN_USE,
      )
    }
    expect(() => retireRecord(ring(), 'd2', check({ usage: { byKid: {} } }))).toThrow(
      expect.objectContaining({
        message: expect.stringContaining('does not say when it was taken'),
      }),
    )
    // A key that never sealed here needs no wait and no dated report.
    expect(
      retireRecord(ring(), 'd0', check({ usage: { byKid: {} }, now: new Date(STOPPED) })).record
        .status,
    ).toBe('retired')
  })
})

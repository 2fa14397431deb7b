import { describe, expect, it } from 'vitest'
import { KeyWatch } from '../../../src/keyring/key-watch.js'
import { keyRecord } from '../../fixtures/keyring-document.js'
import { recorder } from '../../helpers/keyring.js'

describe('KeyWatch', () => {
  const now = () => new Date('2030-01-01T00:00:00.000Z')
  it('reports an expired or overused key once each, and rotates only with autoRotate', () => {
    const { events, onEvent } = recorder()
    const rotated: string[] = []
    const watch = new KeyWatch(
      { usageWarningThreshold: 10, autoRotate: false, onEvent, now },
      (kid) => rotated.push(kid),
    )
    const expired = keyRecord({ id: 'k', expiresAt: '2029-12-31T00:00:00.000Z', encryptions: 9 })
    watch.check(expired, 0)
    watch.check(expired, 1)
    watch.counted('k', 11, 1)
    expect(events.map((e) => e.operation)).toEqual(['key.expired', 'key.usage-warning'])
    expect(rotated).toEqual([])
    const auto = new KeyWatch(
      { usageWarningThreshold: 10, autoRotate: true, onEvent, now },
      (kid) => rotated.push(kid),
    )
    auto.check(expired, 5)
    expect(rotated).toEqual(['k', 'k'])
  })
})

import { describe, expect, it } from 'vitest'
import { UsageCounter } from '../../../src/keyring/usage-counter.js'

describe('UsageCounter', () => {
  it('counts per key; a drained count restored after a failed save is neither lost nor doubled', () => {
    const counter = new UsageCounter()
    expect(counter.empty).toBe(true)
    counter.add('a')
    counter.add('a', 4)
    const taken = counter.drain()
    expect(taken.get('a')).toBe(5)
    expect(counter.empty).toBe(true)
    counter.add('a')
    counter.restore(taken)
    expect(counter.get('a')).toBe(6)
    expect(counter.get('b')).toBe(0)
  })
})

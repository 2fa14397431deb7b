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

  it('keeps counts a save took in get() until the save is done, so a budget never looks larger', () => {
    const counter = new UsageCounter()
    counter.add('a', 3)
    const taken = counter.drain()
    counter.add('a')
    expect(counter.get('a')).toBe(4)
    expect(counter.empty).toBe(false)
    counter.saved(taken)
    expect(counter.get('a')).toBe(1)
    const again = counter.drain()
    counter.restore(again)
    expect(counter.get('a')).toBe(1)
    counter.saved(counter.drain())
    expect(counter.get('a')).toBe(0)
    expect(counter.empty).toBe(true)
  })
})

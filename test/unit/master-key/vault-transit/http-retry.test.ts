import { describe, expect, it } from 'vitest'
import { backoffDelay, sleep } from '../../../../src/master-key/vault-transit/http-retry.js'

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 }

describe('backoff', () => {
  it('draws a jittered delay under a doubling, capped ceiling', () => {
    for (let i = 0; i < 200; i++) {
      expect(backoffDelay(1, policy, null)).toBeLessThan(100)
      expect(backoffDelay(2, policy, null)).toBeLessThan(200)
      expect(backoffDelay(5, policy, null)).toBeLessThan(250)
      expect(backoffDelay(3, policy, null)).toBeGreaterThanOrEqual(0)
    }
  })

  it('honours Retry-After seconds within the cap, and ignores nonsense', () => {
    expect(backoffDelay(1, policy, '0')).toBe(0)
    expect(backoffDelay(1, policy, '0.1')).toBe(100)
    expect(backoffDelay(1, policy, '3600')).toBe(250)
    expect(backoffDelay(1, policy, 'Wed, 21 Oct 2015 07:28:00 GMT')).toBeLessThan(100)
    expect(backoffDelay(1, policy, '-5')).toBeLessThan(100)
  })

  it('sleep stops at once when aborted', async () => {
    const controller = new AbortController()
    const pending = sleep(60_000, controller.signal)
    controller.abort(new Error('closed'))
    await expect(pending).rejects.toThrow('closed')
    await expect(sleep(10, controller.signal)).rejects.toThrow('closed')
    await expect(sleep(1, new AbortController().signal)).resolves.toBeUndefined()
  })
})

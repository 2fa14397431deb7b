import { describe, expect, it } from 'vitest'
import { SerialQueue } from '../../../../src/master-key/pkcs11/serial-queue.js'

describe('SerialQueue', () => {
  it('never runs two tasks at once, keeps order, and survives a failure', async () => {
    const queue = new SerialQueue()
    let running = 0
    let most = 0
    const order: number[] = []
    const task = (i: number) => async () => {
      running++
      most = Math.max(most, running)
      await new Promise((resolve) => setTimeout(resolve, 3 - (i % 3)))
      order.push(i)
      running--
      if (i === 2) throw new Error('task 2 failed')
      return i
    }
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => queue.run(task(i))),
    )
    expect(most).toBe(1)
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(results[2]?.status).toBe('rejected')
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7)
    await expect(queue.run(() => 'after')).resolves.toBe('after')
  })
})

import { describe, expect, it } from 'vitest'
import { RefreshLoop } from '../../../src/keyring/refresh-loop.js'

/** A reload the test finishes by hand. */
function manualReload() {
  const pending: Array<() => void> = []
  let runs = 0
  const reload = () =>
    new Promise<void>((resolve) => {
      runs++
      pending.push(resolve)
    })
  return { reload, runs: () => runs, finish: () => pending.shift()?.() }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('RefreshLoop.run', () => {
  it('waits for a reload that starts after the call, not one already under way (it read too early)', async () => {
    const r = manualReload()
    const loop = new RefreshLoop(r.reload, () => undefined)
    const first = loop.run()
    let secondDone = false
    const second = loop.run().then(() => {
      secondDone = true
    })
    const third = loop.run() // callers that arrive together share the one after
    expect(r.runs()).toBe(1)
    r.finish()
    await first
    await tick()
    expect(secondDone).toBe(false)
    expect(r.runs()).toBe(2)
    r.finish()
    await second
    await third
    expect(r.runs()).toBe(2)
  })
})

describe('RefreshLoop change notices', () => {
  it('reloads at once, and once more after a reload that was under way (it may have read too early)', async () => {
    const r = manualReload()
    const loop = new RefreshLoop(r.reload, () => undefined)
    loop.notice()
    expect(r.runs()).toBe(1)
    loop.notice()
    loop.notice() // notices that come together make one more reload, not two
    r.finish()
    await tick()
    expect(r.runs()).toBe(2)
    r.finish()
    await tick()
    expect(r.runs()).toBe(2)
  })

  it('after a failed reload too, and never once stopped', async () => {
    const errors: unknown[] = []
    let runs = 0
    const loop = new RefreshLoop(
      async () => {
        runs++
        throw new Error('down')
      },
      (error) => errors.push(error),
    )
    loop.notice()
    loop.notice()
    await tick()
    await tick()
    expect(runs).toBe(2)
    expect(errors).toHaveLength(2)
    await loop.stop()
    loop.notice()
    await tick()
    expect(runs).toBe(2)
  })
})

/**
 * Taking over an abandoned lock with the interleaving forced: `unlink` of the lock path is
 * intercepted, so one waiter can be held right where it is about to remove the lock while the
 * other runs on. Two waiters that both judged the same dead owner's lock abandoned must never
 * hold the lock at the same time.
 */
import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import { readdirSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { acquireFileLock } from '../../../../src/keyring/stores/file-lock.js'
import { tempFolder } from '../../../helpers/keyring.js'

type Gate = (path: string) => Promise<unknown> | undefined
let unlinkGate: Gate = () => undefined
let linkError: NodeJS.ErrnoException | undefined

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>()
  return {
    ...actual,
    unlink: async (path: string) => {
      await unlinkGate(String(path))
      return actual.unlink(path)
    },
    link: async (from: string, to: string) => {
      if (linkError !== undefined) throw linkError
      return actual.link(from, to)
    },
  }
})

afterEach(() => {
  unlinkGate = () => undefined
  linkError = undefined
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let deadPid: number | undefined

/** Writes a lock (or claim) file of a process that no longer exists; returns its content. */
function deadOwnerLock(path: string): string {
  deadPid ??= spawnSync(process.execPath, ['-e', '']).pid as number
  const owner = {
    pid: deadPid,
    hostname: hostname(),
    createdAt: new Date().toISOString(),
    token: randomBytes(6).toString('hex'),
  }
  const text = `${JSON.stringify(owner)}\n`
  writeFileSync(path, text)
  return text
}

/** Two waiters on one abandoned lock; returns the most holders seen at once. */
async function race(path: string): Promise<number> {
  let holders = 0
  let most = 0
  const take = async () => {
    const release = await acquireFileLock(path, { timeoutMs: 5_000, staleMs: 10_000 })
    holders++
    most = Math.max(most, holders)
    await sleep(30)
    holders--
    await release()
  }
  await Promise.all([take(), take()])
  return most
}

describe('file lock: taking over an abandoned lock', () => {
  it('two waiters that judged the same dead owner abandoned never both hold the lock', async () => {
    const path = join(tempFolder(), 'keyring.json.lock')
    deadOwnerLock(path)
    let held = false
    // Hold the first removal of the lock until the other waiter got in, or 300 ms passed.
    unlinkGate = (target) => {
      if (target !== path || held) return undefined
      held = true
      return Promise.race([
        sleep(300),
        vi
          .waitFor(() => expect(fsp.access(path)).resolves.toBeUndefined(), { timeout: 300 })
          .catch(() => undefined),
      ]).then(() => sleep(20))
    }
    expect(await race(path)).toBe(1)
  })

  it("ten rounds of waiters racing for a dead owner's lock: one holder at a time", async () => {
    const folder = tempFolder()
    for (let round = 0; round < 10; round++) {
      const path = join(folder, `round-${round}.lock`)
      deadOwnerLock(path)
      expect(await race(path)).toBe(1)
    }
  })

  it('takes over a claim left by a breaker that died, and sweeps leftovers once it holds the lock', async () => {
    const folder = tempFolder()
    const path = join(folder, 'keyring.json.lock')
    const text = deadOwnerLock(path)
    const claim = `${path}.break-${createHash('sha256').update(text).digest('base64url').slice(0, 16)}`
    deadOwnerLock(claim)
    writeFileSync(`${path}.0123456789ab.tmp`, 'left by a creator killed before it cleaned up')
    writeFileSync(`${path}.break-gone000000000000`, 'a claim on a lock that no longer exists')
    const release = await acquireFileLock(path, { timeoutMs: 2_000, staleMs: 10_000 })
    expect(readdirSync(folder)).toEqual(['keyring.json.lock'])
    await release()
    expect(readdirSync(folder)).toEqual([])
  })

  it('works where the file system has no hard links (the lock is created in place)', async () => {
    const path = join(tempFolder(), 'keyring.json.lock')
    linkError = Object.assign(new Error('EPERM'), { code: 'EPERM' })
    deadOwnerLock(path)
    expect(await race(path)).toBe(1)
    await (await acquireFileLock(path, { timeoutMs: 100, staleMs: 10_000 }))()
    await expect(fsp.access(path)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

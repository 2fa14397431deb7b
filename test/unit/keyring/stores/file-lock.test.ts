import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { acquireFileLock, isProcessAlive } from '../../../../src/keyring/stores/file-lock.js'
import { tempFolder } from '../../../helpers/keyring.js'

const options = { timeoutMs: 100, staleMs: 10_000 }

describe('file lock', () => {
  it('is exclusive: a second taker waits and gives up with ERR_FIELDSEAL_STORE_LOCKED', async () => {
    const path = join(tempFolder(), 'x.lock')
    const release = await acquireFileLock(path, options)
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid })
    await expect(acquireFileLock(path, options)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_LOCKED',
    })
    await release()
    expect(existsSync(path)).toBe(false)
    await (await acquireFileLock(path, options))()
  })

  it('a waiter gets the lock as soon as it is released', async () => {
    const path = join(tempFolder(), 'x.lock')
    const release = await acquireFileLock(path, options)
    const waiting = acquireFileLock(path, { ...options, timeoutMs: 5_000 })
    setTimeout(() => void release(), 20)
    await (await waiting)()
  })

  it('release never removes a lock that is no longer its own', async () => {
    const path = join(tempFolder(), 'x.lock')
    const release = await acquireFileLock(path, options)
    writeFileSync(path, '{"pid":1,"hostname":"other","token":"t"}')
    await release()
    expect(existsSync(path)).toBe(true)
  })

  it('isProcessAlive tells a live pid from a dead one', () => {
    expect(isProcessAlive(process.pid)).toBe(true)
    expect(isProcessAlive(spawnSync(process.execPath, ['-e', '']).pid as number)).toBe(false)
  })
})

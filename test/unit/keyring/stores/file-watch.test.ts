/**
 * A FileKeyStore tells running keyrings about saves at once: a rotation by another instance (or
 * another process) reaches them in milliseconds, not at their next refresh (60 s by default).
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createFieldseal } from '../../../../src/core/fieldseal.js'
import { FileKeyStore } from '../../../../src/keyring/stores/file-store.js'
import { watchKeyringFile } from '../../../../src/keyring/stores/file-watch.js'
import { openKeyring, type Keyring } from '../../../../src/keyring/keyring.js'
import { startHelper } from '../../../helpers/child-process.js'
import { masterKeyBase64, tempFolder } from '../../../helpers/keyring.js'

let opened: Keyring[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const keyring of opened) await keyring.close()
  opened = []
})

async function instance(path: string, masterKey: string, create = false): Promise<Keyring> {
  // The default refresh interval (60 s): only the watch can make these tests pass in time.
  const keyring = await openKeyring({ store: new FileKeyStore(path), masterKey, env: {}, create })
  opened.push(keyring)
  return keyring
}

describe('FileKeyStore watch', () => {
  it('a rotation by another instance reaches a running keyring at once, every time (atomic renames)', async () => {
    const path = join(tempFolder(), 'keys', 'keyring.json')
    const masterKey = masterKeyBase64()
    const a = await instance(path, masterKey, true)
    const b = await instance(path, masterKey)
    const fsB = createFieldseal({ keyring: b })
    for (let round = 0; round < 5; round++) {
      const rotated = await a.manager.rotateKey('data')
      await vi.waitFor(() => expect(fsB.encryptField('x')).toContain(`:${rotated.id}:`), {
        timeout: 1_000,
        interval: 5,
      })
    }
  })

  it('a rotation by another process reaches it too', async () => {
    const path = join(tempFolder(), 'keyring.json')
    const masterKey = masterKeyBase64()
    const keyring = await instance(path, masterKey, true)
    const before = keyring.encryptionKey().kid
    const child = startHelper('keyring-rotator.ts', [path, '1', 'other-process'], {
      FIELDSEAL_MASTER_KEY: masterKey,
    })
    const { stdout } = await child.exited
    const rotated = /^rotated (\S+) /m.exec(stdout)?.[1]
    expect(rotated).toBeDefined()
    expect(rotated).not.toBe(before)
    await vi.waitFor(() => expect(keyring.encryptionKey().kid).toBe(rotated), {
      timeout: 1_000,
      interval: 5,
    })
  })

  it('reports a watch that fails, tries again, and notices once it is back', async () => {
    vi.useFakeTimers()
    const folder = join(tempFolder(), 'not-yet')
    const onChange = vi.fn()
    const onError = vi.fn()
    const running = watchKeyringFile(join(folder, 'keyring.json'), { onChange, onError })
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'ENOENT' }))
    mkdirSync(folder)
    await vi.advanceTimersByTimeAsync(5_000)
    await vi.advanceTimersByTimeAsync(20)
    // Back: one reload for whatever was saved while nobody watched.
    expect(onChange).toHaveBeenCalledTimes(1)
    expect(onError).toHaveBeenCalledTimes(1)
    await running.close()
    rmSync(folder, { recursive: true })
  })

  it('ignores other files of the folder, and stops when closed', async () => {
    const folder = tempFolder()
    const onChange = vi.fn()
    const running = watchKeyringFile(join(folder, 'keyring.json'), { onChange, onError: vi.fn() })
    const other = new FileKeyStore(join(folder, 'other.json'))
    await other.load()
    mkdirSync(join(folder, 'sub'))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(onChange).not.toHaveBeenCalled()
    await running.close()
  })
})

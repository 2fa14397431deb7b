import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FileKeyStore } from '../../src/keyring/stores/file-store.js'
import { openKeyManager } from '../../src/keyring/key-manager.js'
import { startHelper } from '../helpers/child-process.js'
import { masterKeyBase64, tempFolder } from '../helpers/keyring.js'

// Kill for about BUDGET_MS, but never stop before MIN_KILLS kills and MIN_ROTATIONS keys seen:
// on a loaded machine the loop takes longer instead of proving less.
const BUDGET_MS = 12_000
const MAX_KILLS = 60
const MIN_KILLS = 10
const MIN_ROTATIONS = 5

describe('FileKeyStore under SIGKILL', () => {
  it('a rotating process killed at random moments never corrupts the keyring or loses a key', async () => {
    const folder = tempFolder()
    const path = join(folder, 'keyring.json')
    const masterKey = masterKeyBase64()
    const open = () =>
      openKeyManager({ store: new FileKeyStore(path), masterKey, env: {}, create: true })
    await (await open()).initEncryptionKeys()

    const known = new Set<string>()
    let revision = 0
    let kills = 0
    let leftovers = 0 // kills that left a lock or temp file: they hit a save in progress
    const started = Date.now()
    const enough = () => kills >= MIN_KILLS && known.size >= MIN_ROTATIONS
    while (kills < MAX_KILLS && (!enough() || Date.now() - started < BUDGET_MS)) {
      const child = startHelper('keyring-rotator.ts', [path, '0', `crash-${kills}`], {
        FIELDSEAL_MASTER_KEY: masterKey,
      })
      await child.waitForLine('ready')
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 40))
      child.process.kill('SIGKILL')
      const { signal } = await child.exited
      expect(signal).toBe('SIGKILL')
      kills++
      if (readdirSync(folder).length > 1) leftovers++

      // The keyring opens with the right master key, has one active data key and every key seen
      // before, and every key's material still unwraps.
      const keys = await open()
      expect(keys.revision).toBeGreaterThanOrEqual(revision)
      revision = keys.revision
      const data = keys.listKeys({ type: 'data' })
      expect(data.filter((k) => k.status === 'active')).toHaveLength(1)
      expect(data.map((k) => k.version)).toEqual(
        Array.from({ length: data.length }, (_, i) => data.length - i),
      )
      const ids = new Set(data.map((k) => k.id))
      for (const id of known) expect(ids.has(id)).toBe(true)
      for (const key of data) expect(keys.getKeyMaterial(key.id)).toHaveLength(32)
      for (const k of data) known.add(k.id)
    }

    // A writer in this process recovers whatever lock or temp file the last kill left.
    const keys = await open()
    await keys.rotateKey('data', { rotatedBy: 'after-the-crashes' })
    expect(readdirSync(folder)).toEqual(['keyring.json'])
    expect(existsSync(`${path}.lock`)).toBe(false)
    expect(enough()).toBe(true) // the children did rotate between kills
    // biome-ignore lint/suspicious/noConsole: what the run exercised, for whoever reads the log
    console.info(
      `keyring crash test: ${kills} kills, ${leftovers} during a save, ${known.size} keys, revision ${revision}`,
    )
  }, 180_000)
})

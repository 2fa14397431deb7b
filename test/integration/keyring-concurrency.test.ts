import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createFieldseal } from '../../src/core/fieldseal.js'
import { FileKeyStore } from '../../src/keyring/stores/file-store.js'
import { openKeyring } from '../../src/keyring/keyring.js'
import { startHelper } from '../helpers/child-process.js'
import { masterKeyBase64, tempFolder } from '../helpers/keyring.js'

const ROTATIONS = 100

describe('two processes rotating one FileKeyStore at once', () => {
  it('end with exactly one active data key and every key of both present', async () => {
    const path = join(tempFolder(), 'keyring.json')
    const masterKey = masterKeyBase64()
    // An application instance holds the keyring open while both processes rotate.
    const keyring = await openKeyring({
      store: new FileKeyStore(path),
      masterKey,
      env: {},
      create: true,
      refreshIntervalMs: 0,
    })
    const fs = createFieldseal({ keyring, fields: ['ssn'] })
    const before = fs.encryptFields({ ssn: 'before' })

    const env = { FIELDSEAL_MASTER_KEY: masterKey, ROTATOR_WAIT_FOR_GO: '1', ROTATOR_PAUSE_MS: '4' }
    const children = ['A', 'B'].map((actor) =>
      startHelper('keyring-rotator.ts', [path, String(ROTATIONS), actor], env),
    )
    await Promise.all(children.map((child) => child.waitForLine('ready')))
    for (const child of children) child.process.stdin?.end('go\n')
    const results = await Promise.all(children.map((child) => child.exited))
    for (const result of results) expect(result).toMatchObject({ code: 0, stderr: '' })
    const rotatedIds = results.flatMap((r) =>
      [...r.stdout.matchAll(/^rotated (\S+) (\d+)$/gm)].map((m) => m[1]),
    )
    expect(rotatedIds).toHaveLength(2 * ROTATIONS)

    await keyring.refresh()
    const data = keyring.manager.listKeys({ type: 'data' })
    expect(data).toHaveLength(1 + 2 * ROTATIONS)
    expect(data.filter((k) => k.status === 'active')).toHaveLength(1)
    expect(data.filter((k) => k.status === 'pending_rotation')).toHaveLength(2 * ROTATIONS)
    expect(new Set(data.map((k) => k.version)).size).toBe(data.length)
    const ids = new Set(data.map((k) => k.id))
    for (const id of rotatedIds) expect(ids.has(id as string)).toBe(true)
    const byActor = (name: string) => data.filter((k) => k.rotatedBy === name).length
    expect(byActor('A') + byActor('B')).toBe(2 * ROTATIONS)
    // How often the rotating process changed along the version order (1 = one after the other).
    const order = [...data]
      .reverse()
      .map((k) => k.rotatedBy ?? '')
      .filter((name) => name !== '')
    const switches = order.filter((name, i) => i > 0 && name !== order[i - 1]).length
    // biome-ignore lint/suspicious/noConsole: what the run exercised, for whoever reads the log
    console.info(
      `keyring concurrency test: ${switches} switches between the two rotating processes`,
    )

    // The running instance follows: new values use the winner's key, old values still decrypt.
    const after = fs.encryptFields({ ssn: 'after' })
    expect(after.ssn).toContain(`:${data[0]?.id}:`)
    expect(fs.decryptFields(before)).toEqual({ ssn: 'before' })
    await keyring.close()
  }, 60_000)
})

/**
 * `fieldseal keys rotate` refuses a keyring the library refuses to open: a damaged key is not
 * rotated past (its values would be lost without a word), and nothing is written.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { KeyringDocument } from '../../src/keyring/index.js'
import { fixture } from '../helpers/fixtures.js'
import { Sandbox } from './sandbox.js'

let box: Sandbox
beforeEach(async () => {
  box = await Sandbox.create()
  box.env.FIELDSEAL_KEYSTORE = box.path('keyring.json')
})
afterEach(async () => {
  await box.cleanup()
})

/** The active data key's material swapped with another key's: well formed, but not its own. */
function damageActiveKey(doc: KeyringDocument): KeyringDocument {
  const keys = doc.keys.map((key) => ({ ...key }))
  const active = keys.find((key) => key.type === 'data' && key.status === 'active')!
  const other = keys.find((key) => key !== active && key.wrapped !== null)!
  ;[active.wrapped, other.wrapped] = [other.wrapped, active.wrapped]
  return { ...doc, keys }
}

async function rotateRefused(code: string): Promise<void> {
  const before = await readFile(box.path('keyring.json'), 'utf8')
  const rotated = await box.run(['keys', 'rotate'])
  expect(rotated.code).toBe(3)
  expect(rotated.stderr).toContain(code)
  expect(rotated.stdout).not.toContain('still decrypts')
  expect(await readFile(box.path('keyring.json'), 'utf8')).toBe(before)
}

describe('fieldseal keys rotate on a keyring the library refuses', () => {
  it('a keyring written by 0.1.0 whose active key is damaged: ERR_FIELDSEAL_STORE_CORRUPT, nothing written', async () => {
    const legacy = fixture<{ masterKey: string; document: KeyringDocument }>('keyring-0.1.0.json')
    box.useMasterKey(legacy.masterKey)
    await writeFile(box.path('keyring.json'), JSON.stringify(damageActiveKey(legacy.document)))
    await rotateRefused('ERR_FIELDSEAL_STORE_CORRUPT')
  })

  it('a signed keyring edited without the master key: ERR_FIELDSEAL_STORE_TAMPERED, nothing written', async () => {
    box.useMasterKey()
    expect((await box.run(['keys', 'init'])).code).toBe(0)
    expect((await box.run(['keys', 'rotate'])).code).toBe(0)
    const doc = JSON.parse(await readFile(box.path('keyring.json'), 'utf8')) as KeyringDocument
    await writeFile(box.path('keyring.json'), JSON.stringify(damageActiveKey(doc)))
    await rotateRefused('ERR_FIELDSEAL_STORE_TAMPERED')
  })
})

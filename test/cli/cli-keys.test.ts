import { chmod, readFile, writeFile } from 'node:fs/promises'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../src/crypto/aes-gcm.js'
import type { KeyInfo, KeyMetadataExport } from '../../src/keyring/index.js'
import { keyFingerprint } from '../../src/crypto/static-keys.js'
import { FileKeyStore } from '../../src/keyring/index.js'
import { backdateRotations } from '../helpers/keyring.js'
import { newKey, Sandbox } from './sandbox.js'

let box: Sandbox
beforeEach(async () => {
  box = await Sandbox.create()
  box.env.FIELDSEAL_KEYSTORE = box.path('keyring.json')
})
afterEach(async () => {
  box.assertNoSecrets()
  await box.cleanup()
})

type Keys = { keys: KeyInfo[] }
const CUSTOMERS = [
  { id: 1, ssn: '123-45-6789', email: 'ada@example.com' },
  { id: 2, ssn: '987-65-4321', email: 'alan@example.com' },
]

/** A random key whose id (fingerprint) matches `pattern`, as the keyring would make it. */
function keyWithId(pattern: RegExp): { key: string; kid: string } {
  for (;;) {
    const bytes = AesGcmCipher.generateKey()
    const kid = keyFingerprint(bytes)
    if (pattern.test(kid)) return { key: bytes.toString('base64'), kid }
  }
}

describe('fieldseal keys: the lifecycle end to end', () => {
  it('init, list, rotate, expiring, deactivate, reactivate, retire, export-metadata', async () => {
    const master = box.useMasterKey()
    const { created } = await box.json<{ created: KeyInfo[] }>(['keys', 'init'])
    expect(created).toMatchObject([{ type: 'data', version: 1, status: 'active' }])
    const first = created[0] as KeyInfo
    expect((await readFile(box.path('keyring.json'), 'utf8')).length).toBeGreaterThan(0)
    expect(await box.json<{ created: KeyInfo[] }>(['keys', 'init'])).toEqual({ created: [] })

    const rotated = await box.json<{ rotated: boolean; key: KeyInfo; previous: string }>([
      'keys',
      'rotate',
      '--by',
      'alice@example.com',
      '--ttl-days',
      '30',
    ])
    expect(rotated).toMatchObject({
      rotated: true,
      previous: first.id,
      key: { version: 2, status: 'active' },
    })
    const second = rotated.key
    await box.rememberKeyMaterial(master)

    const { keys } = await box.json<Keys>(['keys', 'list'])
    expect(keys.map((k) => [k.id, k.status, k.rotatedBy])).toEqual([
      [second.id, 'active', null],
      [first.id, 'pending_rotation', 'alice@example.com'],
    ])
    const human = await box.run(['keys', 'list', '--status', 'pending_rotation'])
    expect(human.stdout).toMatch(
      new RegExp(`^ID +TYPE +VERSION +STATUS[^\\n]*\\n${first.id} +data +1 +pending_rotation`),
    )

    expect(
      (await box.json<Keys>(['keys', 'expiring', '--days', '31'])).keys.map((k) => k.id),
    ).toEqual([second.id])
    expect((await box.json<Keys>(['keys', 'expiring'])).keys).toEqual([])

    const notRotated = await box.json<{ rotated: boolean }>([
      'keys',
      'rotate',
      '--if-active',
      first.id,
    ])
    expect(notRotated.rotated).toBe(false)

    expect(await box.json(['keys', 'deactivate', first.id])).toMatchObject({
      key: { status: 'inactive' },
    })
    expect(await box.json(['keys', 'reactivate', first.id])).toMatchObject({
      key: { status: 'pending_rotation' },
    })

    const inUse = await box.run(['keys', 'retire', first.id])
    expect(inUse.code).toBe(1)
    expect(inUse.stderr).toContain('ERR_FIELDSEAL_KEY_IN_USE')
    const active = await box.run(['keys', 'retire', second.id, '--force'])
    expect(active.code).toBe(1)
    expect(active.stderr).toContain('ERR_FIELDSEAL_KEY_STATE')
    const unknown = await box.run(['keys', 'retire', 'no_such_key'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('ERR_FIELDSEAL_KEY_NOT_FOUND')

    // Just rotated: instances may still seal with the old key; the refusal says until when.
    await box.writeRecords('usage-early.json', [
      { byKid: {}, legacy: 0, startedAt: new Date().toISOString() },
    ])
    const notYet = await box.run(['keys', 'retire', first.id, '--usage', 'usage-early.json'])
    expect(notYet.code).toBe(1)
    expect(notYet.stderr).toMatch(
      /ERR_FIELDSEAL_KEY_IN_USE: .*stopped being active at .*Wait until \S+ \(\d min( \d+ s)? from now\), then re-encrypt, take a new usage report and retire it/,
    )
    // The rotation an hour back: no instance can still seal with the old key (see seal-lease.ts).
    await backdateRotations(new FileKeyStore(box.path('keyring.json')), master, 3_600_000)
    const startedAt = new Date().toISOString()
    await box.writeRecords('usage-busy.json', [{ byKid: { [first.id]: 2 }, legacy: 0, startedAt }])
    await box.writeRecords('usage-clear.json', [
      { byKid: { [second.id]: 5 }, legacy: 0, startedAt },
    ])
    const busy = await box.run([
      'keys',
      'retire',
      first.id,
      '--usage',
      'usage-clear.json',
      '--usage',
      'usage-busy.json',
    ])
    expect(busy.code).toBe(1)
    expect(busy.stderr).toContain('2 values are still sealed under it')
    const retired = await box.json(['keys', 'retire', first.id, '--usage', 'usage-clear.json'])
    expect(retired).toMatchObject({ key: { id: first.id, status: 'retired', hasMaterial: false } })

    const metadata = await box.json<KeyMetadataExport>(['keys', 'export-metadata'])
    expect(metadata).toMatchObject({
      format: 'fieldseal-keyring-metadata',
      master: { source: 'env' },
    })
    expect(metadata.keys.map((k) => k.status)).toEqual(['active', 'retired'])
    expect(JSON.stringify(metadata)).not.toMatch(/wrapped|salt|check/)
  })

  it('rewrap: afterwards the old master key no longer opens, the new one does, values still decrypt', async () => {
    const oldMaster = box.useMasterKey()
    await box.json(['keys', 'init'])
    await box.sealRecords('customers.ndjson', CUSTOMERS, ['ssn', 'email'])
    await box.rememberKeyMaterial(oldMaster)
    const sealed = (await readFile(box.path('customers.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as object)

    const missing = await box.run(['keys', 'rewrap'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('FIELDSEAL_NEW_MASTER_KEY')

    const newMaster = newKey()
    box.secrets.add(newMaster)
    const result = await box.json<{ masterKeyId: string; previousMasterKeyId: string }>(
      ['keys', 'rewrap', '--by', 'ops'],
      0,
      { env: { FIELDSEAL_NEW_MASTER_KEY: newMaster } },
    )
    expect(result.masterKeyId).not.toBe(result.previousMasterKeyId)

    const withOld = await box.run(['keys', 'list'])
    expect(withOld.code).toBe(3)
    expect(withOld.stderr).toContain('ERR_FIELDSEAL_WRONG_MASTER_KEY')
    const withNew = await box.run(['keys', 'list'], { env: { FIELDSEAL_MASTER_KEY: newMaster } })
    expect(withNew.code).toBe(0)
    const opened = await box.withFieldseal(newMaster, (fs) =>
      sealed.map((r) => fs.decryptFields(r)),
    )
    expect(opened).toEqual(CUSTOMERS)

    // Once more, from a file this time (and the master key from a file as well).
    const third = newKey()
    box.secrets.add(third)
    await writeFile(box.path('new.key'), `${third}\n`, { mode: 0o600 })
    await writeFile(box.path('current.key'), `${newMaster}\n`, { mode: 0o600 })
    const fromFile = await box.run(
      ['keys', 'rewrap', '--master-key-file', 'current.key', '--new-master-key-file', 'new.key'],
      { env: { FIELDSEAL_MASTER_KEY: undefined } },
    )
    expect(fromFile).toMatchObject({ code: 0 })
    expect(await box.withFieldseal(third, (fs) => sealed.map((r) => fs.decryptFields(r)))).toEqual(
      CUSTOMERS,
    )
  })

  it('a passphrase keyring: init with --pbkdf2-iterations, wrong passphrase, passphrase file', async () => {
    const passphrase = 'correct horse battery staple'
    box.secrets.add(passphrase)
    box.env.FIELDSEAL_MASTER_PASSPHRASE = passphrase
    await box.json(['keys', 'init', '--pbkdf2-iterations', '100000'])
    const metadata = await box.json<KeyMetadataExport>(['keys', 'export-metadata'])
    expect(metadata.master).toEqual({
      id: expect.any(String),
      source: 'passphrase',
      iterations: 100_000,
      provider: { kind: 'passphrase', iterations: 100_000 },
    })
    const wrong = await box.run(['keys', 'list'], {
      env: { FIELDSEAL_MASTER_PASSPHRASE: 'not it' },
    })
    expect(wrong.code).toBe(3)
    await writeFile(box.path('pass.txt'), `${passphrase}\n`)
    await chmod(box.path('pass.txt'), 0o644)
    const viaFile = await box.run(['keys', 'list', '--passphrase-file', 'pass.txt'], {
      env: { FIELDSEAL_MASTER_PASSPHRASE: undefined },
    })
    expect(viaFile.code).toBe(0)
    expect(viaFile.stderr).toContain('readable by other users')
  })

  it('imports FIELDSEAL_KEYS into a keyring, keeping their key ids', async () => {
    box.useMasterKey()
    const [newer, older] = [newKey(), newKey()]
    box.secrets.add(newer).add(older)
    const { imported } = await box.json<{ imported: KeyInfo[] }>(['keys', 'import'], 0, {
      env: { FIELDSEAL_KEYS: `${newer},${older}` },
    })
    expect(imported.map((k) => k.status)).toEqual(['pending_rotation', 'active'])
  })
})

describe('fieldseal keys: key ids that start with "-" (about 1 in 64)', () => {
  it('deactivate, reactivate, rotate --if-active and retire take them bare; one starting "--" after "--"', async () => {
    const master = box.useMasterKey()
    const dash = keyWithId(/^-[A-Za-z]/) // read as short options before
    const double = keyWithId(/^--/)
    const plain = keyWithId(/^[A-Za-z0-9]/)
    for (const k of [dash, double, plain]) box.secrets.add(k.key)
    const { imported } = await box.json<{ imported: KeyInfo[] }>(['keys', 'import'], 0, {
      env: { FIELDSEAL_KEYS: [dash, plain, double].map((k) => k.key).join(',') },
    })
    expect(imported.map((k) => [k.id, k.status])).toContainEqual([dash.kid, 'active'])

    const notRotated = await box.json(['keys', 'rotate', '--if-active', double.kid])
    expect(notRotated).toMatchObject({ rotated: false, key: { id: dash.kid } })
    const rotated = await box.json(['keys', 'rotate', '--if-active', dash.kid])
    expect(rotated).toMatchObject({ rotated: true, previous: dash.kid })

    expect(await box.json(['keys', 'deactivate', dash.kid])).toMatchObject({
      key: { id: dash.kid, status: 'inactive' },
    })
    expect(await box.json(['keys', 'reactivate', dash.kid])).toMatchObject({
      key: { id: dash.kid, status: 'pending_rotation' },
    })

    const bare = await box.run(['keys', 'deactivate', double.kid])
    expect(bare.code).toBe(2)
    expect(bare.stderr).toContain(`put "--" before it: fieldseal keys deactivate -- ${double.kid}`)
    const afterDashes = await box.run(['keys', 'deactivate', '--json', '--', double.kid])
    expect(afterDashes.code).toBe(0)
    expect(JSON.parse(afterDashes.stdout)).toMatchObject({
      key: { id: double.kid, status: 'inactive' },
    })

    await backdateRotations(new FileKeyStore(box.path('keyring.json')), master, 3_600_000)
    await box.writeRecords('usage.json', [
      { byKid: {}, legacy: 0, startedAt: new Date().toISOString() },
    ])
    const retired = await box.json(['keys', 'retire', dash.kid, '--usage', 'usage.json'])
    expect(retired).toMatchObject({ key: { id: dash.kid, status: 'retired' } })
    const retiredToo = await box.run(['keys', 'retire', '--usage', 'usage.json', '--', double.kid])
    expect(retiredToo).toMatchObject({ code: 0 })

    const help = await box.run(['keys', 'retire', '--help'])
    expect(help.stdout).toContain('"--"')
  })
})

describe('fieldseal keys: a key pasted in the wrong place', () => {
  it('is refused without being echoed, in text or --json, and --by never stores it', async () => {
    box.useMasterKey()
    await box.json(['keys', 'init'])
    const pasted = newKey()
    const unpadded = Buffer.from(pasted, 'base64').toString('base64url')
    box.secrets.add(pasted).add(unpadded)
    for (const key of [pasted, unpadded]) {
      const retire = await box.run(['keys', 'retire', key, '--json'])
      expect(retire.code).toBe(2)
      expect(JSON.parse(retire.stderr)).toMatchObject({
        error: { code: 'ERR_FIELDSEAL_CLI_USAGE', message: expect.stringContaining('argument 3') },
      })
      const rotate = await box.run(['keys', 'rotate', '--by', key])
      expect(rotate.code).toBe(2)
    }
    const stored = await readFile(box.path('keyring.json'), 'utf8')
    expect(stored).not.toContain(pasted)
    expect(stored).not.toContain(unpadded)
    expect((await box.json<Keys>(['keys', 'list'])).keys).toHaveLength(1)
    // A well-formed id that is not in the keyring is named: it is not a secret.
    const unknown = await box.run(['keys', 'deactivate', 'Xk3v9_Qa1Bc'])
    expect(unknown.stderr).toContain('ERR_FIELDSEAL_KEY_NOT_FOUND: no key with id "Xk3v9_Qa1Bc"')
  })
})

describe('fieldseal keys: key and store errors (exit code 3)', () => {
  it('reports an empty store, a missing or wrong master key and a corrupt store', async () => {
    box.useMasterKey()
    const empty = await box.run(['keys', 'list'])
    expect(empty.code).toBe(3)
    expect(empty.stderr).toContain('ERR_FIELDSEAL_NO_KEY: the key store')
    expect(empty.stderr).toContain('run "fieldseal keys init"')

    await box.json(['keys', 'init'])
    const noMaster = await box.run(['keys', 'list'], { env: { FIELDSEAL_MASTER_KEY: undefined } })
    expect(noMaster.code).toBe(3)
    expect(noMaster.stderr).toContain('ERR_FIELDSEAL_NO_KEY: no master key')
    const wrong = newKey()
    box.secrets.add(wrong)
    const wrongMaster = await box.run(['keys', 'list', '--json'], {
      env: { FIELDSEAL_MASTER_KEY: wrong },
    })
    expect(wrongMaster.code).toBe(3)
    expect(JSON.parse(wrongMaster.stderr)).toMatchObject({
      error: { code: 'ERR_FIELDSEAL_WRONG_MASTER_KEY', exitCode: 3 },
    })

    await writeFile(box.path('corrupt.json'), '{"format": "something else"}')
    const corrupt = await box.run(['keys', 'list', '--store', 'corrupt.json'])
    expect(corrupt.code).toBe(3)
    expect(corrupt.stderr).toContain('ERR_FIELDSEAL_STORE_CORRUPT')
    expect(await readFile(box.path('corrupt.json'), 'utf8')).toBe('{"format": "something else"}')

    const noStore = await box.run(['keys', 'list'], { env: { FIELDSEAL_KEYSTORE: undefined } })
    expect(noStore.code).toBe(2)
    expect(noStore.stderr).toContain('no key store: pass --store PATH or set FIELDSEAL_KEYSTORE')
  })
})

describe('fieldseal keys: messages an operator can act on', () => {
  it('names the variable or file holding a bad master key, not an API option', async () => {
    box.env.FIELDSEAL_MASTER_KEY = 'abc'
    const env = await box.run(['keys', 'init'])
    expect(env.code).toBe(3)
    expect(env.stderr).toContain(
      'ERR_FIELDSEAL_INVALID_KEY: FIELDSEAL_MASTER_KEY is not a master key',
    )
    expect(env.stderr).toContain('"fieldseal keygen"')
    expect(env.stderr).not.toContain('openKeyManager')
    await writeFile(box.path('short.key'), Buffer.alloc(16, 1).toString('base64'), { mode: 0o600 })
    const file = await box.run(['keys', 'init', '--master-key-file', 'short.key'])
    expect(file.code).toBe(3)
    expect(file.stderr).toContain('the master key in short.key is not a master key')
    expect(file.stderr).toContain('16 bytes')

    box.useMasterKey()
    await box.json(['keys', 'init'])
    const rewrap = await box.run(['keys', 'rewrap'], { env: { FIELDSEAL_NEW_MASTER_KEY: 'abc=' } })
    expect(rewrap.code).toBe(3)
    expect(rewrap.stderr).toContain('FIELDSEAL_NEW_MASTER_KEY is not a master key')
  })

  it('rewrap counts the keys it rewrapped, not a retired key that has no material left', async () => {
    const master = box.useMasterKey()
    const { created } = await box.json<{ created: KeyInfo[] }>(['keys', 'init'])
    await box.json(['keys', 'rotate'])
    await box.json(['keys', 'retire', (created[0] as KeyInfo).id, '--force'])
    const next = newKey()
    box.secrets.add(next)
    const result = await box.run(['keys', 'rewrap'], { env: { FIELDSEAL_NEW_MASTER_KEY: next } })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^rewrapped 1 key under master key /)
    expect(result.stdout).toContain('1 retired key had no material to rewrap')
    box.secrets.add(master)
  })

  it('a truncated key file says to restore it from a backup', async () => {
    box.useMasterKey()
    await box.json(['keys', 'init'])
    const text = await readFile(box.path('keyring.json'), 'utf8')
    await writeFile(box.path('keyring.json'), text.slice(0, text.length >> 1))
    const result = await box.run(['keys', 'list'])
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('ERR_FIELDSEAL_STORE_CORRUPT')
    expect(result.stderr).toContain('restore it from a backup')
  })
})

describe('fieldseal keys against PostgreSQL (--store postgres://…)', () => {
  const host = process.env.PGHOST ?? '127.0.0.1'
  const port = process.env.PGPORT ?? '5432'
  const database = process.env.PGDATABASE ?? 'test'
  const user = process.env.PGUSER ?? 'postgres'
  const url = `postgres://${user}@${host}:${port}/${database}`

  it('init, rotate and list on a keyring table; an unreachable server is exit code 3', async () => {
    box.useMasterKey()
    const table = `cli_keyring_${Date.now().toString(36)}_${process.pid}`
    const store = ['--store', url, '--pg-table', table, '--keyring-name', 'billing']
    try {
      await box.json(['keys', 'init', ...store])
      const { key } = await box.json<{ key: KeyInfo }>(['keys', 'rotate', ...store])
      const { keys } = await box.json<Keys>(['keys', 'list', ...store])
      expect(keys.map((k) => [k.id, k.status])).toEqual([
        [key.id, 'active'],
        [expect.any(String), 'pending_rotation'],
      ])
      const other = await box.run([
        'keys',
        'list',
        '--store',
        url,
        '--pg-table',
        table,
        '--keyring-name',
        'other',
      ])
      expect(other.code).toBe(3)
    } finally {
      const pool = new pg.Pool({ connectionString: url, max: 1 })
      await pool.query(`DROP TABLE IF EXISTS "${table}"`)
      await pool.end()
    }
    const down = await box.run([
      'keys',
      'list',
      '--store',
      `postgres://${user}@127.0.0.1:1/${database}`,
    ])
    expect(down.code).toBe(3)
    expect(down.stderr).toContain('ERR_FIELDSEAL_CLI_STORE_UNAVAILABLE')
  })
})

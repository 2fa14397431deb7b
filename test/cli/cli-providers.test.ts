/**
 * The CLI under every master-key provider: `keys init --master …`, `keys rewrap --to …` along
 * env → PKCS#11 (SoftHSM 2) → AWS KMS → Vault Transit → passphrase → env, and `keys`, `usage`
 * and `reencrypt` opening the keyring under each. AWS KMS and Vault are the loopback servers of
 * test/helpers (their protocols, not the real services); provider settings and secrets come from
 * the environment, never from an argument.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createFieldseal } from '../../src/core/fieldseal.js'
import type { KeyInfo } from '../../src/keyring/index.js'
import { openKeyring } from '../../src/keyring/index.js'
import { KmsServer } from '../helpers/kms-server.js'
import { createSoftHsm, type SoftHsm } from '../helpers/softhsm.js'
import { VaultTransitServer } from '../helpers/vault-transit-server.js'
import { newKey, Sandbox } from './sandbox.js'

const PIN = '918273-cli-pin'
const HSM = 'pkcs11:token=cli;object=master'
const AWS_SECRET = 'cli/never-shown-aws-secret-key'
const VAULT_TOKEN = 'hvs.cli-never-shown-vault-token'
const PASSPHRASE = 'a cli passphrase that is never shown'

let hsm: SoftHsm
let kms: KmsServer
let vault: VaultTransitServer
let box: Sandbox

beforeAll(async () => {
  hsm = await createSoftHsm()
  hsm.initToken('cli', PIN)
  kms = await KmsServer.start('eu-west-1')
  kms.accessKeys.add('AKIACLITEST')
  kms.createKey('alias/fieldseal')
  vault = await VaultTransitServer.start()
  vault.tokens.set(VAULT_TOKEN, '')
  vault.addKey('fieldseal')
})
afterAll(async () => {
  await kms?.close()
  await vault?.close()
  await hsm?.remove()
})
beforeEach(async () => {
  box = await Sandbox.create()
  box.env.FIELDSEAL_KEYSTORE = box.path('keyring.json')
  // What a deployment sets for each provider: locations, and secrets the CLI must never print.
  Object.assign(box.env, {
    SOFTHSM2_CONF: join(hsm.dir, 'softhsm2.conf'),
    FIELDSEAL_PKCS11_MODULE: hsm.module,
    FIELDSEAL_PKCS11_PIN: PIN,
    AWS_REGION: kms.region,
    AWS_ENDPOINT_URL_KMS: kms.url,
    AWS_ACCESS_KEY_ID: 'AKIACLITEST',
    AWS_SECRET_ACCESS_KEY: AWS_SECRET,
    VAULT_ADDR: vault.url,
    VAULT_TOKEN,
  })
  for (const secret of [PIN, AWS_SECRET, VAULT_TOKEN, PASSPHRASE]) box.secrets.add(secret)
})
afterEach(async () => {
  box.assertNoSecrets()
  await box.cleanup()
})

type Keys = { keys: KeyInfo[] }

/** The environment that names the master key `master` and nothing else. */
function opening(master: string): Record<string, string | undefined> {
  const local = master === 'env' || master === 'passphrase'
  return {
    FIELDSEAL_MASTER_PROVIDER: local ? undefined : master,
    FIELDSEAL_MASTER_KEY: master === 'env' ? box.env.FIELDSEAL_MASTER_KEY : undefined,
    FIELDSEAL_MASTER_PASSPHRASE: master === 'passphrase' ? PASSPHRASE : undefined,
  }
}

describe('fieldseal keys under master-key providers', () => {
  it('rewraps env → PKCS#11 → AWS KMS → Vault → passphrase → env; each opens every command, the previous one no longer', async () => {
    const first = box.useMasterKey()
    await box.json(['keys', 'init'])
    await box.sealRecords('data.ndjson', [{ id: 1, ssn: '123-45-6789' }], ['ssn'])
    box.secrets.add('123-45-6789')
    const kid = (await box.json<Keys>(['keys', 'list'])).keys[0]?.id
    const last = newKey()
    box.secrets.add(last)
    const steps: Array<[string, string[], Record<string, string>]> = [
      [HSM, ['--to', HSM, '--generate-key'], {}],
      ['aws-kms:alias/fieldseal', ['--to', 'aws-kms:alias/fieldseal'], {}],
      ['vault-transit:fieldseal', ['--to', 'vault-transit:fieldseal'], {}],
      [
        'passphrase',
        ['--to', 'passphrase', '--pbkdf2-iterations', '100000'],
        { FIELDSEAL_NEW_MASTER_PASSPHRASE: PASSPHRASE },
      ],
      ['env', ['--to', 'env'], { FIELDSEAL_NEW_MASTER_KEY: last }],
    ]
    let current = 'env'
    for (const [next, flags, secrets] of steps) {
      const rewrapped = await box.json<{ source: string; keys: number }>(
        ['keys', 'rewrap', ...flags],
        0,
        { env: { ...opening(current), ...secrets } },
      )
      expect(rewrapped).toMatchObject({ source: next.split(':')[0], keys: 1 })
      if (next === 'env') box.env.FIELDSEAL_MASTER_KEY = last
      const refused = await box.run(['keys', 'list'], { env: opening(current) })
      expect({ code: refused.code, stderr: refused.stderr }).toMatchObject({
        code: 3,
        stderr: expect.stringMatching(/wrong master key/),
      })
      const listed = await box.json<Keys>(['keys', 'list'], 0, { env: opening(next) })
      expect(listed.keys.map((k) => k.id)).toEqual([kid])
      const usage = await box.json<{ byKid: Record<string, number> }>(['usage', 'data.ndjson'], 0, {
        env: opening(next),
      })
      expect(usage.byKid).toEqual({ [kid as string]: 1 })
      current = next
    }
    // The data never moved: the value sealed under the first master key opens under the last.
    expect(first).not.toBe(last)
    const keyring = await openKeyring({
      store: box.path('keyring.json'),
      masterKey: last,
      env: {},
      refreshIntervalMs: 0,
    })
    const record = JSON.parse((await readFile(box.path('data.ndjson'), 'utf8')).trim()) as {
      ssn: string
    }
    expect(createFieldseal({ keyring }).decryptField(record.ssn, { context: 'ssn' })).toBe(
      '123-45-6789',
    )
    await keyring.close()
  })

  it('keys init --master creates a keyring under a provider; rotate and export-metadata run under it; no token is exit code 3', async () => {
    const spec = 'vault-transit:fieldseal'
    const created = await box.json<{ created: KeyInfo[] }>(['keys', 'init', '--master', spec])
    expect(created.created).toHaveLength(1)
    const rotated = await box.json<{ rotated: KeyInfo }>(['keys', 'rotate'], 0, {
      env: opening(spec),
    })
    expect(rotated).toBeDefined()
    const metadata = await box.json<{ master: { source: string } }>(
      ['keys', 'export-metadata'],
      0,
      {
        env: opening(spec),
      },
    )
    expect(metadata.master).toMatchObject({
      source: 'vault-transit',
      provider: { kind: 'vault-transit', key: 'fieldseal' },
    })
    // Without the token, the provider refuses at start: a coded error naming it, exit code 3.
    const noToken = await box.run(['keys', 'list'], {
      env: { ...opening(spec), VAULT_TOKEN: undefined },
    })
    expect({ code: noToken.code, stderr: noToken.stderr }).toMatchObject({
      code: 3,
      stderr: expect.stringContaining('vault-transit'),
    })
  })

  it('refuses a spec that is not a provider, and --generate-key for anything but PKCS#11', async () => {
    box.useMasterKey()
    const bad = await box.run(['keys', 'init', '--master', 'gcp-kms:projects/x'])
    expect(bad.code).toBe(2)
    const generate = await box.run(['keys', 'init', '--generate-key'])
    expect({ code: generate.code, stderr: generate.stderr }).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--generate-key applies to a pkcs11: master key only'),
    })
  })
})

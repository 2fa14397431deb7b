import { readFile, writeFile } from 'node:fs/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../src/crypto/aes-gcm.js'
import { createFieldseal } from '../../src/core/fieldseal.js'
import type { KeyInfo } from '../../src/keyring/index.js'
import { newKey, Sandbox } from './sandbox.js'

let box: Sandbox
let master: string
beforeEach(async () => {
  box = await Sandbox.create()
  box.env.FIELDSEAL_KEYSTORE = box.path('keyring.json')
  master = box.useMasterKey()
})
afterEach(async () => {
  box.assertNoSecrets()
  await box.cleanup()
})

interface Usage {
  records: number
  total: number
  byKid: Record<string, number>
  legacy: number
  plaintext: number
  malformed: number
  activeKid: string | null
  keys: Record<string, string>
}
interface Summary {
  checkpoint: number
  written: number
  changed: number
  unchanged: number
  failed: number
  complete: boolean
  stoppedBy: string | null
  failures: Array<{ index: number; code: string; path?: string; kid?: string }>
}

function customers(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: from + i,
    name: `Customer ${from + i}`,
    ssn: `${String(100 + from + i)}-45-${String(1000 + from + i)}`,
    billing: { card: `4111 1111 1111 ${String(1000 + from + i)}` },
  }))
}

/** Two eras of data: `old` records under the first data key, `recent` under the second. */
async function twoEras(old: number, recent: number): Promise<{ first: string; second: string }> {
  const { created } = await box.json<{ created: KeyInfo[] }>(['keys', 'init'])
  await box.sealRecords('old.ndjson', customers(0, old), ['ssn', 'billing.card'])
  const { key } = await box.json<{ key: KeyInfo }>(['keys', 'rotate'])
  await box.sealRecords('recent.ndjson', customers(old, recent), ['ssn', 'billing.card'])
  const text =
    (await readFile(box.path('old.ndjson'), 'utf8')) +
    (await readFile(box.path('recent.ndjson'), 'utf8'))
  await writeFile(box.path('data.ndjson'), text)
  await box.rememberKeyMaterial(master)
  for (const c of customers(0, old + recent)) box.secrets.add(c.ssn).add(c.billing.card)
  return { first: (created[0] as KeyInfo).id, second: key.id }
}

describe('fieldseal usage', () => {
  it('counts values per key id, with statuses, legacy, plaintext and malformed values', async () => {
    const { first, second } = await twoEras(3, 2)
    const usage = await box.json<Usage>(['usage', 'data.ndjson'])
    expect(usage).toMatchObject({
      records: 5,
      total: 10,
      byKid: { [first]: 6, [second]: 4 },
      legacy: 0,
      activeKid: second,
      keys: { [first]: 'pending_rotation', [second]: 'active' },
    })
    const fromStdin = await box.json<Usage>(['usage', '-'], 0, {
      input: await readFile(box.path('data.ndjson'), 'utf8'),
    })
    expect(fromStdin.byKid).toEqual(usage.byKid)

    const odd = [
      { ssn: 'enc:v1:k1:not-base64!' },
      { ssn: 'plain 1', note: 'x' },
      { other: 'enc:v1:zz:AAAA' },
    ]
    await box.writeRecords('odd.ndjson', odd)
    const fieldsOnly = await box.json<Usage>(['usage', 'odd.ndjson', '--fields', 'ssn'])
    expect(fieldsOnly).toMatchObject({
      records: 3,
      total: 2,
      plaintext: 1,
      malformed: 1,
      byKid: {},
    })

    const human = await box.run(['usage', 'data.ndjson'])
    expect(human.stdout).toContain('5 record(s), 10 value(s) in data.ndjson')
    expect(human.stdout).toMatch(new RegExp(`${first} +6 +pending_rotation`))
    expect(human.stdout).toContain('run "fieldseal reencrypt"')
  })

  it('needs no key at all, and rejects a bad NDJSON line by number, not content', async () => {
    const foreign = createFieldseal({ keys: [AesGcmCipher.generateKey()] })
    const kid = foreign.keySource.encryptionKey().kid
    await box.writeRecords('x.ndjson', [{ a: foreign.encryptField('x') }])
    const noKeys = await box.json<Usage>(['usage', 'x.ndjson'], 0, {
      env: { FIELDSEAL_KEYSTORE: undefined, FIELDSEAL_MASTER_KEY: undefined },
    })
    expect(noKeys).toMatchObject({
      byKid: { [kid]: 1 },
      activeKid: null,
      keys: { [kid]: 'unknown' },
    })
    box.secrets.add('secret-looking-line')
    await writeFile(box.path('bad.ndjson'), '{"a":1}\n{secret-looking-line\n')
    const bad = await box.run(['usage', 'bad.ndjson'], { env: { FIELDSEAL_KEYSTORE: undefined } })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('ERR_FIELDSEAL_INVALID_NDJSON: line 2 is not valid JSON')
    const missing = await box.run(['usage', 'nope.ndjson'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('ENOENT')
  })
})

describe('fieldseal reencrypt', () => {
  it('moves every record to the active key (checked by usage) and values still decrypt', async () => {
    const { second } = await twoEras(40, 10)
    const summary = await box.json<Summary>(['reencrypt', 'data.ndjson', '--out', 'out.ndjson'])
    expect(summary).toMatchObject({
      checkpoint: 50,
      written: 50,
      changed: 40,
      unchanged: 10,
      failed: 0,
      complete: true,
    })
    const after = await box.json<Usage>(['usage', 'out.ndjson'])
    expect(after.byKid).toEqual({ [second]: 100 })
    const records = (await readFile(box.path('out.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as object)
    expect(
      await box.withFieldseal(master, (fs) => records.map((r) => fs.decryptFields(r))),
    ).toEqual(customers(0, 50))

    const toStdout = await box.run(['reencrypt', 'data.ndjson', '--json'])
    expect(toStdout.code).toBe(0)
    expect(toStdout.stdout.trim().split('\n')).toHaveLength(50)
    expect(JSON.parse(toStdout.stderr)).toMatchObject({ written: 50, output: 'stdout' })

    const again = await box.run(['reencrypt', 'data.ndjson', '--out', 'out.ndjson'])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('pass --force to overwrite it')
    const same = await box.run(['reencrypt', 'data.ndjson', '--out', 'data.ndjson', '--force'])
    expect(same.code).toBe(2)
  })

  it('resumes with --start-after N and with --resume after a torn write', async () => {
    const { second } = await twoEras(30, 0)
    const partial = await box.json<Summary>([
      'reencrypt',
      'data.ndjson',
      '--out',
      'out.ndjson',
      '--stop-on-error',
    ])
    expect(partial.complete).toBe(true)
    const lines = (await readFile(box.path('out.ndjson'), 'utf8')).split('\n')
    // A run that died after 12 records and half of the 13th.
    await writeFile(
      box.path('out.ndjson'),
      `${lines.slice(0, 12).join('\n')}\n${(lines[12] as string).slice(0, 40)}`,
    )
    const resumed = await box.json<Summary>([
      'reencrypt',
      'data.ndjson',
      '--out',
      'out.ndjson',
      '--resume',
    ])
    expect(resumed).toMatchObject({ checkpoint: 30, written: 18, complete: true })
    expect((await box.json<Usage>(['usage', 'out.ndjson'])).byKid).toEqual({ [second]: 60 })

    await writeFile(box.path('out.ndjson'), `${lines.slice(0, 20).join('\n')}\n`)
    const after = await box.json<Summary>([
      'reencrypt',
      'data.ndjson',
      '--out',
      'out.ndjson',
      '--start-after',
      '20',
    ])
    expect(after).toMatchObject({ checkpoint: 30, written: 10 })
    expect((await readFile(box.path('out.ndjson'), 'utf8')).trim().split('\n')).toHaveLength(30)
    const tooFar = await box.run([
      'reencrypt',
      'data.ndjson',
      '--out',
      'out.ndjson',
      '--start-after',
      '31',
    ])
    expect(tooFar.code).toBe(1)
    expect(tooFar.stderr).toContain('fewer than --start-after 31')
  })

  it('writes records it cannot open unchanged, lists why without values, and exits 1', async () => {
    await twoEras(4, 0)
    const foreign = createFieldseal({ keys: [AesGcmCipher.generateKey()], fields: ['ssn'] })
    const stranger = foreign.encryptFields({ id: 99, ssn: '555-55-5555' })
    box.secrets.add('555-55-5555')
    const good = (await readFile(box.path('data.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ssn: string })
    // One character in the middle of the sealed bytes changed (never a no-op, always canonical).
    const sealed = good[1]?.ssn ?? ''
    const at = sealed.length - 10
    const tampered = {
      ...good[1],
      ssn: `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`,
    }
    await box.writeRecords('mixed.ndjson', [good[0], stranger, tampered, good[3]])
    const result = await box.run(['reencrypt', 'mixed.ndjson', '--out', 'out.ndjson'])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /^4 record\(s\) written to out.ndjson: 2 re-encrypted to key \S+, 0 with nothing to move, 2 failed\n/,
    )
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/record 1: ERR_FIELDSEAL_UNKNOWN_KEY at ssn/)
    expect(result.stdout).toMatch(/record 2: ERR_FIELDSEAL_DECRYPT_FAILED at ssn/)
    const out = (await readFile(box.path('out.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as object)
    expect(out[1]).toEqual(stranger)
    expect(out[2]).toEqual(tampered)

    const stop = await box.json<Summary>(
      ['reencrypt', 'mixed.ndjson', '--out', 'stop.ndjson', '--stop-on-error'],
      1,
    )
    expect(stop).toMatchObject({ checkpoint: 1, complete: false, stoppedBy: 'stop-on-error' })
  })

  it('usage --progress counts what was read into records, not what the stream read ahead', async () => {
    await box.writeRecords(
      'many.ndjson',
      Array.from({ length: 3000 }, (_, id) => ({ id })),
    )
    const result = await box.run(['usage', 'many.ndjson', '--progress', '--json'], {
      env: { FIELDSEAL_KEYSTORE: undefined },
    })
    expect(result.code).toBe(0)
    const lines = result.stderr.trim().split('\n')
    expect(lines[0]).toMatch(/^usage {2}\[-{24}\] {4}0% {2}1 records {2}-\/s {2}ETA -:--$/)
    expect(lines.at(-1)).toMatch(/^usage {2}\[#{24}\] {2}100% {2}3,000 records/)
  })

  it('stops cleanly on SIGINT with exit code 130, then resumes to the end', async () => {
    const { second } = await twoEras(6, 0)
    const lines = (await readFile(box.path('data.ndjson'), 'utf8')).trim().split('\n')
    const { child, done } = box.start([
      'reencrypt',
      '-',
      '--out',
      'out.ndjson',
      '--progress',
      '--json',
    ])
    child.stdin?.write(`${lines.slice(0, 3).join('\n')}\n`)
    await new Promise<void>((resolve) => {
      const check = () =>
        /reencrypt {2}\d+ records/.test(stderrOf()) ? resolve() : setTimeout(check, 20)
      let seen = ''
      child.stderr?.on('data', (chunk: Buffer) => (seen += chunk.toString()))
      const stderrOf = () => seen
      check()
    })
    child.kill('SIGINT')
    await new Promise((resolve) => setTimeout(resolve, 300))
    child.stdin?.end(`${lines.slice(3).join('\n')}\n`)
    const result = await done
    expect(result.code).toBe(130)
    const summary = JSON.parse(result.stdout) as Summary
    expect(summary).toMatchObject({ complete: false, stoppedBy: 'interrupted' })
    expect(summary.checkpoint).toBeGreaterThanOrEqual(1)
    expect(summary.checkpoint).toBeLessThanOrEqual(3)
    expect((await readFile(box.path('out.ndjson'), 'utf8')).trim().split('\n')).toHaveLength(
      summary.checkpoint,
    )

    const resumed = await box.json<Summary>(
      ['reencrypt', '-', '--out', 'out.ndjson', '--resume'],
      0,
      {
        input: `${lines.join('\n')}\n`,
      },
    )
    expect(resumed).toMatchObject({ checkpoint: 6, complete: true })
    expect((await box.json<Usage>(['usage', 'out.ndjson'])).byKid).toEqual({ [second]: 12 })
  })

  it('uses FIELDSEAL_KEYS with --env-keys, and refuses to guess between two key sources', async () => {
    const [newer, older] = [newKey(), newKey()]
    box.secrets.add(newer).add(older)
    const sealed = createFieldseal({ keys: [older], fields: ['ssn'] }).encryptFields({
      ssn: '321-54-9876',
    })
    box.secrets.add('321-54-9876')
    await box.writeRecords('env.ndjson', [sealed])
    const env = { FIELDSEAL_KEYS: `${newer},${older}` }
    const ambiguous = await box.run(['reencrypt', 'env.ndjson'], { env })
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.stderr).toContain('pass --store or --env-keys')
    const summary = await box.json<Summary>(
      ['reencrypt', 'env.ndjson', '--env-keys', '--out', 'o.ndjson'],
      0,
      { env },
    )
    expect(summary.changed).toBe(1)
    const newKid = createFieldseal({ keys: [newer] }).keySource.encryptionKey().kid
    const usage = await box.json<Usage>(['usage', 'o.ndjson', '--env-keys'], 0, { env })
    expect(usage).toMatchObject({ byKid: { [newKid]: 1 }, keys: { [newKid]: 'active' } })
    const noKeys = await box.run(['reencrypt', 'env.ndjson'], {
      env: { FIELDSEAL_KEYSTORE: undefined },
    })
    expect(noKeys.code).toBe(3)
    expect(noKeys.stderr).toContain('ERR_FIELDSEAL_NO_KEY: no data keys')
  })
})

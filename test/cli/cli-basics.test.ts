import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeBase64Strict } from '../../src/crypto/base64.js'
import { COMMANDS, GROUPS } from '../../src/cli/commands.js'
import { keyFingerprint } from '../../src/crypto/static-keys.js'
import { newKey, Sandbox } from './sandbox.js'

let box: Sandbox
beforeEach(async () => {
  box = await Sandbox.create()
})
afterEach(async () => {
  box.assertNoSecrets()
  await box.cleanup()
})

describe('fieldseal keygen', () => {
  it('prints a canonical base64 32-byte key on stdout and nothing on stderr', async () => {
    const first = await box.run(['keygen'], { secretStdout: true, runner: 'tsx' })
    const second = await box.run(['keygen'], { secretStdout: true })
    expect(first).toMatchObject({ code: 0, stderr: '' })
    const key = first.stdout.trimEnd()
    expect(first.stdout).toBe(`${key}\n`)
    expect(decodeBase64Strict(key)?.length).toBe(32)
    expect(second.stdout).not.toBe(first.stdout)
  })

  it('prints {key, kid} with --json, kid being the FIELDSEAL_KEYS fingerprint', async () => {
    const result = await box.run(['keygen', '--json'], { secretStdout: true })
    expect(result.code).toBe(0)
    const { key, kid } = JSON.parse(result.stdout) as { key: string; kid: string }
    const bytes = decodeBase64Strict(key) as Uint8Array
    expect(bytes.length).toBe(32)
    expect(kid).toBe(keyFingerprint(bytes))
  })
})

describe('--help', () => {
  it('documents every command and the exit codes in the overview', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const result = await box.run(args)
      expect(result).toMatchObject({ code: 0, stderr: '' })
      expect(result.stdout).toContain('Exit codes:')
      for (const code of ['0', '1', '2', '3', '130'])
        expect(result.stdout).toMatch(new RegExp(`\\n  ${code} +\\w`))
      for (const command of COMMANDS) expect(result.stdout).toContain(command.name)
    }
  })

  it('answers for every command and subcommand', async () => {
    const names = [...COMMANDS.map((c) => c.name), ...Object.keys(GROUPS)]
    const results = await Promise.all(names.map((name) => box.run([...name.split(' '), '--help'])))
    results.forEach((result, i) => {
      const name = names[i] as string
      expect({ name, code: result.code, stderr: result.stderr }).toEqual({
        name,
        code: 0,
        stderr: '',
      })
      expect(result.stdout).toMatch(new RegExp(`^Usage: fieldseal ${name}\\b`))
    })
    const command = COMMANDS.find((c) => c.name === 'keys rotate')
    expect(command).toBeDefined()
    const viaHelp = await box.run(['help', 'keys', 'rotate'])
    expect(viaHelp.stdout).toBe(results[names.indexOf('keys rotate')]?.stdout)
    expect(viaHelp.stdout).toContain('--by NAME')
    expect(viaHelp.stdout).toContain('Exit codes: 0 ok, 1 failed or refused, 2 usage error, 3 key')
  })

  it('prints the version', async () => {
    const result = await box.run(['--version'], { runner: 'tsx' })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+/)
  })
})

describe('usage errors (exit code 2)', () => {
  it('suggests the command meant for an unknown command or subcommand', async () => {
    const command = await box.run(['kyes', 'list'])
    expect(command.code).toBe(2)
    expect(command.stderr).toContain(
      'ERR_FIELDSEAL_CLI_USAGE: unknown command "kyes". Did you mean "keys"?',
    )
    const sub = await box.run(['keys', 'rotte'])
    expect(sub.code).toBe(2)
    expect(sub.stderr).toContain('Did you mean "keys rotate"?')
    expect(sub.stderr).toContain('Run "fieldseal keys --help"')
  })

  it('suggests the flag meant for an unknown flag, among the flags of the command', async () => {
    const result = await box.run(['keys', 'expiring', '--dyas', '3'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('unknown option --dyas. Did you mean "--days"?')
    const misplaced = await box.run(['keys', 'list', '--days', '3'])
    expect(misplaced.code).toBe(2)
    expect(misplaced.stderr).toContain('option --days does not apply to "keys list"')
  })

  it('refuses missing and extra arguments, missing values and bad numbers', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['keys', 'retire'], /missing argument: fieldseal keys retire ID/],
      [['keys', 'list', 'extra'], /unexpected "extra"/],
      [['keys', 'expiring', '--days'], /--days needs a value/],
      [['keys', 'expiring', '--days', '--json'], /--days needs a value/],
      [['keys', 'expiring', '--days', 'soon'], /--days must be a number/],
      [['keys', 'list', '--type', 'dta'], /--type must be one of .*Did you mean "data"\?/],
      [['keygen', '--json=yes'], /--json takes no value/],
      [['reencrypt', 'in.ndjson', '--resume', '--start-after', '3'], /--resume or --start-after/],
    ]
    const results = await Promise.all(cases.map(([args]) => box.run(args)))
    results.forEach((result, i) => {
      const [args, pattern] = cases[i] as [string[], RegExp]
      expect({ args, code: result.code }).toEqual({ args, code: 2 })
      expect(result.stderr).toMatch(pattern)
      expect(result.stdout).toBe('')
    })
  })

  it('needs a command, and a subcommand for a group', async () => {
    const none = await box.run([])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('Usage: fieldseal <command>')
    const group = await box.run(['keys'])
    expect(group.code).toBe(2)
    expect(group.stderr).toContain('Usage: fieldseal keys <subcommand>')
  })

  it('never echoes an argument that may be a pasted secret', async () => {
    const secret = (box.env.SECRET_FOR_TEST = 'q8Vw1nX0hP2mZl9rT4sY7uB3cD5eF6gH8iJ0kL1mN2o=')
    box.secrets.add(secret)
    const result = await box.run([secret])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('unknown command argument 1')
    const extra = await box.run(['keys', 'list', secret])
    expect(extra.code).toBe(2)
    expect(extra.stderr).toContain('unexpected argument 3')
  })

  it('never echoes a pasted key in key id arguments, choices, --if-active or --by, text or --json', async () => {
    const base64 = newKey()
    const base64url = Buffer.from(base64, 'base64').toString('base64url')
    const hex = Buffer.from(base64, 'base64').toString('hex')
    box.secrets.add(base64).add(base64url).add(hex)
    const cases: Array<[string[], string]> = []
    for (const key of [base64, base64url, hex]) {
      cases.push(
        [['keys', 'retire', key], 'argument 3 looks like key material, not a key id'],
        [['keys', 'deactivate', '--json', key], 'argument 4 looks like key material'],
        [['keys', 'reactivate', '--', key], 'argument 4 looks like key material'],
        [
          ['keys', 'rotate', '--if-active', key],
          'the value of --if-active looks like key material',
        ],
        [['keys', 'list', '--type', key], '--type must be one of master, data, session, signing.'],
        [['keys', 'list', '--status', `active,${key}`], '--status must be one of'],
        [['keys', 'rotate', '--by', key], '--by looks like key material or a secret'],
        [['keys', 'rotate', `--${key}`], 'unknown option argument 3.'],
        [[key, 'list'], 'unknown command argument 1'],
        [['keys', key], 'unknown keys subcommand argument 2'],
      )
    }
    const results = await Promise.all(cases.map(([args]) => box.run(args)))
    results.forEach((result, i) => {
      const [args, message] = cases[i] as [string[], string]
      expect({ args, code: result.code }).toEqual({ args, code: 2 })
      expect(result.stderr).toContain(message)
    })
    const json = await box.run(['keys', 'retire', base64url, '--json'])
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'ERR_FIELDSEAL_CLI_USAGE' } })
  })

  it('never echoes a secret of its own environment, whatever its shape', async () => {
    const passphrase = 'hunter2-is-my-passphrase'
    box.secrets.add(passphrase)
    const env = { FIELDSEAL_MASTER_PASSPHRASE: passphrase, FIELDSEAL_KEYSTORE: 'keyring.json' }
    const by = await box.run(['keys', 'rotate', '--by', passphrase], { env })
    expect(by.code).toBe(2)
    expect(by.stderr).toContain('--by looks like key material or a secret')
    const file = await box.run(['keys', 'list', '--master-key-file', passphrase], { env })
    expect(file.code).toBe(3)
    expect(file.stderr).toContain('[redacted]')
  })

  it('prints errors as JSON on stderr with --json', async () => {
    const result = await box.run(['keys', 'rotte', '--json'])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(JSON.parse(result.stderr)).toMatchObject({
      error: { code: 'ERR_FIELDSEAL_CLI_USAGE', exitCode: 2 },
    })
  })
})

import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../src/crypto/aes-gcm.js'
import { FieldsealError } from '../../src/errors.js'
import { keyFingerprint } from '../../src/crypto/static-keys.js'
import { checkFlags, parseLine } from '../../src/cli/args.js'
import {
  exitCodeFor,
  InterruptedError,
  StoreUnavailableError,
  UsageError,
} from '../../src/cli/exit-codes.js'
import { summarizeError, table } from '../../src/cli/output.js'
import { ProgressBar, progressWanted } from '../../src/cli/progress.js'
import { isShowable, looksLikeKeyMaterial, redact, secretsOf } from '../../src/cli/redact.js'
import { closest, echo } from '../../src/cli/suggest.js'

function stream(isTTY: boolean) {
  const chunks: string[] = []
  return { chunks, isTTY, columns: 100, write: (text: string) => chunks.push(text) > 0 }
}

describe('parseLine and checkFlags', () => {
  it('splits words and flags, repeats, short names and inline values', () => {
    const line = parseLine(['keys', 'retire', 'k1', '--usage', 'a.json', '--usage=b.json', '-h'])
    expect(line.positionals).toEqual(['keys', 'retire', 'k1'])
    expect(line.flags.get('usage')).toEqual(['a.json', 'b.json'])
    expect(line.flags.get('help')).toBe(true)
    expect(line.unknown).toEqual([])
  })

  it('collects unknown flags (also inherited names) and reports them with the closest known one', () => {
    const line = parseLine(['keys', 'rotate', '--constructor', '--bye=x'])
    expect(line.unknown).toEqual([
      { raw: '--constructor', position: 3 },
      { raw: '--bye', position: 4 },
    ])
    expect(() => checkFlags(line, ['by', 'json'], 'keys rotate')).toThrow(
      /unknown option --constructor\.$/,
    )
    const typo = parseLine(['--bye', 'x'])
    expect(() => checkFlags(typo, ['by'], 'keys rotate')).toThrow('Did you mean "--by"?')
    const single = parseLine(['keys', 'retire', 'k1', '-force'])
    expect(() => checkFlags(single, ['force'], 'keys retire')).toThrow(
      'unknown option -force. Did you mean "--force"?',
    )
  })

  it('refuses a missing value, a repeated single flag and a value for an on/off flag', () => {
    expect(() => parseLine(['--days'])).toThrow(UsageError)
    expect(() => parseLine(['--days', '--json'])).toThrow('--days needs a value')
    expect(() => parseLine(['--days', '-h'])).toThrow('--days needs a value')
    expect(() => parseLine(['--by', '--'])).toThrow('--by needs a value')
    expect(parseLine(['--days=-1']).flags.get('days')).toBe('-1')
    expect(() => parseLine(['--out', 'a', '--out', 'b'])).toThrow('given twice')
    expect(() => parseLine(['--force=yes'])).toThrow('takes no value')
  })

  it('takes every word after "--" as an argument, and numbers arguments by their place on the line', () => {
    const line = parseLine(['keys', 'retire', '--force', '--', '--json', '-h'])
    expect(line.positionals).toEqual(['keys', 'retire', '--json', '-h'])
    expect(line.positions).toEqual([1, 2, 5, 6])
    expect(line.flags.get('force')).toBe(true)
    expect(line.flags.has('json')).toBe(false)
  })
})

describe('key ids on the command line', () => {
  const ids = [
    '-kWqct66ZzU', // the issue's: "unknown option -k"
    '-AkXzm6KcV8', // the issue's: "--if-active needs a value"
    '-hAbCdEfGhI', // starts like -h
    '-oAbCdEfGhI', // starts like -o (which takes a value)
    '-5AbCdEfGhI',
    '--AbCdEfGhI',
    '---bCdEfGhI',
    '-_AbCdEfGhI',
    ...Array.from({ length: 3000 }, () => keyFingerprint(AesGcmCipher.generateKey())),
  ]

  it('an id the keyring makes is an argument as it stands, unless it starts with "--"', () => {
    for (const id of ids) {
      const line = parseLine(['keys', 'deactivate', id, '--json'])
      if (id.startsWith('--')) {
        expect(line.unknown, id).toEqual([{ raw: id, position: 3 }])
        expect(() => checkFlags(line, ['json'], 'keys deactivate', true), id).toThrow(
          `put "--" before it: fieldseal keys deactivate -- ${id}`,
        )
      } else {
        expect({ id, words: line.positionals }).toEqual({ id, words: ['keys', 'deactivate', id] })
        expect(line.unknown, id).toEqual([])
      }
    }
  })

  it('every id is an argument after "--", and the value of --if-active as it stands', () => {
    for (const id of ids) {
      expect(parseLine(['keys', 'retire', '--force', '--', id]).positionals, id).toEqual([
        'keys',
        'retire',
        id,
      ])
      const rotate = parseLine(['keys', 'rotate', '--if-active', id, '--json'])
      expect({ id, value: rotate.flags.get('if-active') }).toEqual({ id, value: id })
      expect(rotate.flags.get('json')).toBe(true)
    }
  })
})

describe('exit codes', () => {
  it('maps usage, key/store, interruption and other failures', () => {
    expect(exitCodeFor(new UsageError('x'))).toBe(2)
    expect(exitCodeFor(new FieldsealError('ERR_FIELDSEAL_INVALID_PATH', 'x'))).toBe(2)
    for (const code of [
      'ERR_FIELDSEAL_WRONG_MASTER_KEY',
      'ERR_FIELDSEAL_STORE_LOCKED',
      'ERR_FIELDSEAL_NO_KEY',
    ] as const) {
      expect(exitCodeFor(new FieldsealError(code, 'x'))).toBe(3)
    }
    expect(exitCodeFor(new StoreUnavailableError('down', undefined))).toBe(3)
    expect(exitCodeFor(new FieldsealError('ERR_FIELDSEAL_KEY_IN_USE', 'x'))).toBe(1)
    expect(exitCodeFor(new Error('boom'))).toBe(1)
    expect(exitCodeFor(new InterruptedError())).toBe(130)
  })

  it('summarizes an error by code and message, without repeating a system code', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, stat 'x'"), {
      code: 'ENOENT',
    })
    expect(summarizeError(enoent)).toEqual({
      code: 'ENOENT',
      message: "no such file or directory, stat 'x'",
      exitCode: 1,
    })
    expect(
      summarizeError(new FieldsealError('ERR_FIELDSEAL_KEY_IN_USE', 'm', { kid: 'k1' })),
    ).toEqual({
      code: 'ERR_FIELDSEAL_KEY_IN_USE',
      message: 'm',
      exitCode: 1,
      kid: 'k1',
    })
    expect(summarizeError('odd').code).toBe('ERR_FIELDSEAL_CLI_INTERNAL')
  })
})

describe('suggestions and echoes', () => {
  it('suggests close words and prefixes only', () => {
    expect(closest('rotte', ['rotate', 'retire'])).toBe('rotate')
    expect(closest('exp', ['expiring', 'export-metadata'])).toBe('expiring')
    expect(closest('zzzzzz', ['rotate'])).toBeUndefined()
  })

  it('never echoes a word that may be a key', () => {
    expect(echo('rotte', 1)).toBe('"rotte"')
    expect(echo('q8Vw1nX0hP2mZl9rT4sY7uB3cD5eF6gH8iJ0kL1mN2o=', 2)).toBe('argument 2')
    expect(echo('correct horse battery', 3)).toBe('argument 3')
  })
})

describe('redaction', () => {
  const key = AesGcmCipher.generateKey()

  it('knows key material by its shape: 128 bits or more of base64, base64url or hex', () => {
    for (const shaped of [
      key.toString('base64'),
      key.toString('base64url'),
      key.toString('hex'),
      'q8Vw1nX0hP2mZl9rT4sY7u', // 128 bits, base64url
      'qVwnXhPmZlrTsYuBcDeFgHiJkLmNoPqRsTuVwXyZaB', // 256 bits without a digit
      `/run/secrets/${key.toString('base64url')}/master.key`,
    ]) {
      expect(looksLikeKeyMaterial(shaped), shaped).toBe(true)
    }
    for (const word of [
      'alice@example.com',
      'cli:alice',
      keyFingerprint(key),
      'release-pipeline-production-eu-west-1',
      'FIELDSEAL_MASTER_PASSPHRASE',
      '/var/lib/app/keyring.json',
      'correct horse battery staple',
    ]) {
      expect(looksLikeKeyMaterial(word), word).toBe(false)
    }
  })

  it("redacts key-shaped runs and the environment's secrets, and says which words may be shown", () => {
    const env = {
      FIELDSEAL_MASTER_PASSPHRASE: 'hunter2-passphrase',
      FIELDSEAL_KEYS: ` ${key.toString('base64')} ,abc`,
      FIELDSEAL_MASTER_KEY: '',
    }
    const secrets = secretsOf(env)
    expect(secrets).toEqual(['hunter2-passphrase', key.toString('base64')])
    expect(redact(`cannot read ${key.toString('hex')} (ENOENT)`)).toBe(
      'cannot read [redacted] (ENOENT)',
    )
    expect(redact('by hunter2-passphrase!', secrets)).toBe('by [redacted]!')
    expect(isShowable('ops@example.com', secrets)).toBe(true)
    expect(isShowable('x-hunter2-passphrase', secrets)).toBe(false)
    expect(isShowable(key.toString('base64url'))).toBe(false)
  })
})

describe('ProgressBar', () => {
  it('on a terminal: redraws in place at most every 100 ms, and clears itself at the end', () => {
    let now = 0
    const tty = stream(true)
    const bar = new ProgressBar(tty, { label: 'reencrypt', totalBytes: 1000, now: () => now })
    now = 1000
    bar.update(10, 250)
    bar.update(11, 260)
    expect(tty.chunks).toHaveLength(1)
    expect(tty.chunks[0]).toMatch(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's erase-line sequence
      /^\rreencrypt {2}\[######-{18}\] +25% {2}10 records {2}10\/s {2}ETA 0:03\x1b\[K$/,
    )
    now = 1100
    bar.update(2000, 500)
    expect(tty.chunks[1]).toContain('2,000 records')
    bar.done()
    expect(tty.chunks.at(-1)).toBe('\r\x1b[K')
  })

  it('off a terminal: one line per second, no percentage without a size', () => {
    let now = 0
    const log = stream(false)
    const bar = new ProgressBar(log, { label: 'usage', now: () => now })
    bar.update(1)
    now = 500
    bar.update(2)
    now = 2000
    bar.update(3)
    bar.done()
    expect(log.chunks).toEqual([
      'usage  1 records  -/s  0:00\n',
      'usage  3 records  2/s  0:02\n',
      'usage  3 records  2/s  0:02\n',
    ])
  })

  it('draws on a terminal that reports 0 columns (or none), at 80 columns', () => {
    for (const columns of [0, undefined, Number.NaN]) {
      const tty = { ...stream(true), columns }
      const bar = new ProgressBar(tty, { label: 'usage', totalBytes: 1000, now: () => 0 })
      bar.update(1, 10)
      expect(tty.chunks[0]).toMatch(/^\rusage {2}\[-{24}\] +1% {2}1 records/)
      expect((tty.chunks[0] as string).length).toBeLessThanOrEqual(80 + '\r\x1b[K'.length)
    }
  })

  it('shows no rate and no ETA before the first second: one record in 5 ms says nothing', () => {
    let now = 0
    const log = stream(false)
    const bar = new ProgressBar(log, { label: 'usage', totalBytes: 20_000, now: () => now })
    now = 5
    bar.update(1, 1000)
    expect(log.chunks[0]).toBe(
      'usage  [#-----------------------]    5%  1 records  -/s  ETA -:--\n',
    )
    now = 2000
    bar.update(3000, 10_000)
    expect(log.chunks[1]).toContain('50%  3,000 records  1,500/s  ETA 0:02')
  })

  it('is shown on a terminal, forced by --progress, and off with --no-progress', () => {
    expect(progressWanted({ progress: false, noProgress: false }, stream(true))).toBe(true)
    expect(progressWanted({ progress: false, noProgress: false }, stream(false))).toBe(false)
    expect(progressWanted({ progress: true, noProgress: false }, stream(false))).toBe(true)
    expect(progressWanted({ progress: true, noProgress: true }, stream(true))).toBe(false)
  })
})

describe('table', () => {
  it('aligns columns and trims the last one', () => {
    expect(
      table(
        ['ID', 'STATUS'],
        [
          ['k1', 'active'],
          ['key-22', ''],
        ],
      ),
    ).toBe('ID      STATUS\nk1      active\nkey-22\n')
  })
})

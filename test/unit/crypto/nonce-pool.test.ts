import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NONCE_LENGTH, nextNonce } from '../../../src/crypto/nonce-pool.js'
import { helperScript } from '../../helpers/keyring.js'

const run = promisify(execFile)

describe('nextNonce', () => {
  it('hands out 12-byte nonces, never the same one twice, across refills', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 5000; i++) {
      const nonce = nextNonce()
      expect(nonce).toHaveLength(NONCE_LENGTH)
      seen.add(nonce.toString('hex'))
    }
    expect(seen.size).toBe(5000)
  })

  it('keeps a nonce already handed out unchanged when the pool refills', () => {
    const first = nextNonce()
    const copy = Buffer.from(first)
    for (let i = 0; i < 3000; i++) nextNonce()
    expect(first).toEqual(copy)
  })
})

describe('nextNonce in a V8 startup snapshot (node --build-snapshot)', () => {
  let dir: string
  let blob: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fieldseal-snapshot-'))
    const entry = join(dir, 'entry.cjs')
    blob = join(dir, 'app.blob')
    // --build-snapshot runs one CommonJS script that may require built-in modules only.
    await build({
      entryPoints: [helperScript('snapshot-entry.ts')],
      outfile: entry,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'silent',
    })
    await run(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], { cwd: dir })
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('two processes started from one blob, sealing with one key, never share a nonce', async () => {
    const start = () => run(process.execPath, ['--snapshot-blob', blob], { cwd: dir })
    const [a, b] = await Promise.all([start(), start()])
    const nonces = [a.stdout, b.stdout].flatMap((out) => out.trim().split('\n'))
    expect(nonces).toHaveLength(8)
    expect(nonces.every((n) => /^[0-9a-f]{24}$/.test(n))).toBe(true)
    expect(new Set(nonces).size).toBe(8)
  })
})

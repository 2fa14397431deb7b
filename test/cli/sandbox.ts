/**
 * End-to-end harness for the CLI: a fresh temp folder per test, the real `fieldseal` entry
 * (`src/cli/main.ts`) run in a child process with a clean environment, and a record of
 * everything it printed, so a test can check that no secret it used ever appeared.
 *
 * The entry is bundled once per test file with esbuild (what `tsx` does per module, done once):
 * a run then starts in under 0.1 s instead of about 0.5 s under `node --import tsx`, which keeps
 * these files well inside a minute on a busy machine. `FIELDSEAL_CLI_TEST_RUNNER=tsx` runs
 * `node --import tsx src/cli/main.ts` instead; `runner: 'tsx'` does so for one run.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, expect } from 'vitest'
import { AesGcmCipher } from '../../src/crypto/aes-gcm.js'
import { createFieldseal, type Fieldseal } from '../../src/core/fieldseal.js'
import { openKeyring } from '../../src/keyring/index.js'
import { writeNdjson } from '../../src/migrate/ndjson.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const MAIN = join(ROOT, 'src/cli/main.ts')
const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href
// Inside the project, so that the bundle's `import('pg')` and package.json lookup resolve.
const BUNDLE = join(
  ROOT,
  'node_modules/.cache/fieldseal-cli-test',
  `main-${process.pid}-${Date.now()}.mjs`,
)
const USE_TSX = process.env.FIELDSEAL_CLI_TEST_RUNNER === 'tsx'

beforeAll(async () => {
  if (USE_TSX) return
  await mkdir(join(BUNDLE, '..'), { recursive: true })
  await build({
    entryPoints: [MAIN],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['pg'],
    logLevel: 'silent',
  })
})
afterAll(async () => {
  await rm(BUNDLE, { force: true })
})

/** What one run printed and how it ended. */
export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Options of one run. */
export interface RunOptions {
  /** Added to (or, with `undefined`, removed from) the sandbox environment for this run. */
  readonly env?: Record<string, string | undefined>
  /** Written to stdin, which is then closed. Defaults to nothing (stdin closed at once). */
  readonly input?: string
  /** This run may print key material on stdout (`keygen`). */
  readonly secretStdout?: boolean
  /** Run the TypeScript entry under `node --import tsx` rather than the bundle. */
  readonly runner?: 'tsx' | 'bundle'
}

/** A fresh key, as `FIELDSEAL_MASTER_KEY` and `FIELDSEAL_KEYS` hold keys. */
export function newKey(): string {
  return AesGcmCipher.generateKey().toString('base64')
}

/** A temp folder, a clean environment and the secrets a test must never see printed. */
export class Sandbox {
  readonly dir: string
  env: Record<string, string>
  readonly secrets = new Set<string>()
  readonly #printed: Array<{ text: string; stream: 'stdout' | 'stderr' }> = []

  private constructor(dir: string) {
    this.dir = dir
    // Nothing of the parent's FIELDSEAL_* settings leaks into a run.
    this.env = { PATH: process.env.PATH ?? '', HOME: dir, NODE_NO_WARNINGS: '1' }
  }

  static async create(): Promise<Sandbox> {
    return new Sandbox(await mkdtemp(join(tmpdir(), 'fieldseal-cli-')))
  }

  /** A path in the sandbox. */
  path(name: string): string {
    return join(this.dir, name)
  }

  /** Sets a master key (and remembers it as a secret). */
  useMasterKey(key = newKey()): string {
    this.secrets.add(key)
    this.env.FIELDSEAL_MASTER_KEY = key
    return key
  }

  #env(extra: RunOptions['env']): Record<string, string> {
    const env = { ...this.env }
    for (const [name, value] of Object.entries(extra ?? {})) {
      if (value === undefined) delete env[name]
      else env[name] = value
    }
    return env
  }

  /** Starts the CLI; for tests that talk to it while it runs. */
  start(
    args: readonly string[],
    options: RunOptions = {},
  ): { child: ChildProcess; done: Promise<CliResult> } {
    const tsx = options.runner === 'tsx' || (USE_TSX && options.runner !== 'bundle')
    const entry = tsx ? ['--import', TSX, MAIN] : [BUNDLE]
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: this.dir,
      env: this.#env(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const done = new Promise<CliResult>((resolve, reject) => {
      child.on('error', reject)
      child.on('close', (code, signal) => {
        if (!options.secretStdout) this.#printed.push({ text: stdout, stream: 'stdout' })
        this.#printed.push({ text: stderr, stream: 'stderr' })
        resolve({ code, signal, stdout, stderr })
      })
    })
    return { child, done }
  }

  /** Runs the CLI to its end. */
  async run(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    const { child, done } = this.start(args, options)
    child.stdin?.on('error', () => undefined)
    child.stdin?.end(options.input ?? '')
    return done
  }

  /** Runs the CLI, expects `code`, and returns the parsed JSON of stdout. */
  async json<T = Record<string, unknown>>(
    args: readonly string[],
    code = 0,
    options?: RunOptions,
  ): Promise<T> {
    const result = await this.run([...args, '--json'], options)
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code })
    return JSON.parse(result.stdout) as T
  }

  /** Writes `records` sealed under the keyring's active data key as an NDJSON file. */
  async sealRecords(
    file: string,
    records: readonly object[],
    fields: string[],
    store = 'keyring.json',
  ): Promise<void> {
    const keyring = await openKeyring({
      store: this.path(store),
      masterKey: this.env.FIELDSEAL_MASTER_KEY,
      init: false,
      refreshIntervalMs: 0,
    })
    try {
      const fieldseal = createFieldseal({ keyring, fields })
      await this.writeRecords(
        file,
        records.map((r) => fieldseal.encryptFields(r)),
      )
    } finally {
      await keyring.close()
    }
  }

  /** Opens the keyring with `masterKey` and gives a fieldseal over it to `body`. */
  async withFieldseal<T>(
    masterKey: string,
    body: (fieldseal: Fieldseal) => T,
    store = 'keyring.json',
  ): Promise<T> {
    const keyring = await openKeyring({
      store: this.path(store),
      masterKey,
      init: false,
      refreshIntervalMs: 0,
    })
    try {
      return body(createFieldseal({ keyring }))
    } finally {
      await keyring.close()
    }
  }

  /** Writes records, as they are, as an NDJSON file. */
  async writeRecords(file: string, records: readonly unknown[]): Promise<void> {
    const out = createWriteStream(this.path(file))
    await writeNdjson(out, records)
    out.end()
    await finished(out)
  }

  /** Adds the base64 and base64url forms of every key's material to the secrets. */
  async rememberKeyMaterial(masterKey: string, store = 'keyring.json'): Promise<void> {
    const keyring = await openKeyring({
      store: this.path(store),
      masterKey,
      init: false,
      refreshIntervalMs: 0,
    })
    try {
      for (const key of keyring.manager.listKeys()) {
        if (!key.hasMaterial || key.status === 'inactive') continue
        const material = keyring.manager.getKeyMaterial(key.id)
        this.secrets.add(material.toString('base64'))
        this.secrets.add(material.toString('base64url'))
      }
    } finally {
      await keyring.close()
    }
  }

  /** Checks that no run printed a secret, and that stderr never carried a ciphertext. */
  assertNoSecrets(): void {
    for (const { text, stream } of this.#printed) {
      for (const secret of this.secrets)
        expect(text, `${stream} holds a secret`).not.toContain(secret)
      if (stream === 'stderr') expect(text).not.toContain('enc:')
    }
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true })
  }
}

/**
 * The demo servers (`npm start`, `npm run start:koa`, `npm run start:fastify`) and the one-scenario scripts, run as users
 * run them: `tsx <file>` in a child process, from the project root.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx')

const folders: string[] = []
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

function dataFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'fieldseal-demo-'))
  folders.push(folder)
  return folder
}

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Starts `tsx file`; `ready` resolves with stdout once `pattern` shows up in it. */
function start(file: string, env: Record<string, string>, pattern = /$^/) {
  const child = spawn(TSX, [file], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  const exited = new Promise<Run>((resolve) => {
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk
      if (pattern.test(stdout)) resolve(stdout)
    })
    child.stderr.on('data', (chunk: string) => (stderr += chunk))
    void exited.then((run) =>
      reject(new Error(`exited with ${run.code} before ready: ${run.stderr}`)),
    )
  })
  ready.catch(() => undefined) // scripts that are only run to the end never wait for it
  return { child, ready, exited }
}

const run = (file: string, env: Record<string, string> = {}) => start(file, env).exited

/** The JSON bodies of the `curl … -d '<json>'` commands the banner printed. */
function printedBodies(banner: string): Array<Record<string, unknown>> {
  return [...banner.matchAll(/-d '(\{.*\})'/g)].map((match) => JSON.parse(match[1] as string))
}

describe.each([
  ['Express', 'examples/express/server.ts'],
  ['Koa', 'examples/koa/server.ts'],
  ['Fastify', 'examples/fastify/server.ts'],
])('%s demo server', (_framework, file) => {
  it('starts on a fresh data folder, warns, and the printed commands work; stops on SIGTERM', async () => {
    const data = dataFolder()
    const server = start(
      file,
      { PORT: '0', FIELDSEAL_DEMO_DATA: data, DEMO_ADMIN_TOKEN: '' },
      /Try:/,
    )
    const banner = await server.ready
    expect(banner).toMatch(/DEVELOPMENT ONLY/)
    expect(banner).toMatch(/generated on this first start: .*dev-only-master-key/)
    const url = /listening on (http:\/\/localhost:\d+)/.exec(banner)?.[1] as string
    expect(url).toBeDefined()
    expect(banner).toContain(
      `curl -s ${url}/customers/1 -H 'Authorization: Bearer dev-admin-token'`,
    )

    const [sample, tampered] = printedBodies(banner)
    const post = (body: unknown) =>
      fetch(`${url}/customers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    expect((await post(sample)).status).toBe(201)
    const refused = await post(tampered)
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({
      code: 'ERR_FIELDSEAL_DECRYPT_FAILED',
      path: 'ssn',
    })
    const full = await fetch(`${url}/customers/1`, {
      headers: { authorization: 'Bearer dev-admin-token' },
    })
    expect(await full.json()).toMatchObject({ ssn: sample?.ssn, email: sample?.email })

    server.child.kill('SIGTERM')
    const { code } = await server.exited
    expect(code).toBe(0)

    const shown = await run('examples/show-database.ts', { FIELDSEAL_DEMO_DATA: data })
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/ssn: 'enc:v1:/)
    expect(shown.stdout).toContain('1 row(s) shown')
    expect(shown.stdout).not.toContain(String(sample?.ssn))
  })
})

describe('one-scenario scripts', () => {
  it('encrypt-fields.ts', async () => {
    const { code, stdout, stderr } = await run('examples/encrypt-fields.ts')
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(/"ssn":"enc:v1:[\w-]+:…"/)
    expect(stdout).toContain('read back equals the input: true')
    expect(stdout).toContain('birth_year is still a number: true')
    expect(stdout).not.toContain('078-05-1120')
    expect(stdout).not.toContain('JBSWY3DPEHPK3PXP')
    expect(stdout).toContain('moved value refused: ERR_FIELDSEAL_DECRYPT_FAILED at cards[0].number')
  })

  it('rotate-keys.ts', async () => {
    const { code, stdout, stderr } = await run('examples/rotate-keys.ts')
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toContain('old rows still read: true')
    expect(stdout).not.toContain('078-05-1120')
    expect(stdout).toContain('retire refused: ERR_FIELDSEAL_KEY_IN_USE')
    expect(stdout).toMatch(/'retired'/)
  })

  it('mask-response.ts', async () => {
    const { code, stdout, stderr } = await run('examples/mask-response.ts')
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toContain(
      '"ssn":"*******1120","card":"************1111","email":"a*a@example.com"',
    )
    expect(stdout).toMatch(/\/support +.*"email":"ada@example.com"/)
    expect(stdout).not.toContain('enc:v1:')
  })
})

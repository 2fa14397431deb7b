/**
 * A throw-away SoftHSM 2 (Debian package `softhsm2`) for tests: a temporary token directory and
 * configuration, `SOFTHSM2_CONF` pointing at it for this test process (vitest runs each file in
 * its own process), and tokens initialised with `softhsm2-util`. A real PKCS#11 implementation.
 *
 * Create every token before the first provider of the file opens the module: SoftHSM reads its
 * token directory when the module is initialised.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
]

/** Path of SoftHSM's PKCS#11 module; throws with the install command when it is missing. */
export function softHsmModule(): string {
  const found = MODULE_CANDIDATES.find((path) => existsSync(path))
  if (found === undefined)
    throw new Error('SoftHSM 2 is not installed: apt-get install -y softhsm2 (.ci/run does it)')
  return found
}

export interface SoftHsm {
  readonly module: string
  readonly dir: string
  initToken(label: string, pin: string, soPin?: string): void
  remove(): Promise<void>
}

/**
 * A fresh SoftHSM token directory for this process.
 *
 * @example
 * ```ts
 * const hsm = await createSoftHsm()
 * hsm.initToken('fieldseal', '1234')
 * ```
 */
export async function createSoftHsm(): Promise<SoftHsm> {
  const module = softHsmModule()
  const dir = await mkdtemp(join(tmpdir(), 'fieldseal-softhsm-'))
  const conf = join(dir, 'softhsm2.conf')
  await writeFile(
    conf,
    `directories.tokendir = ${dir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  )
  process.env.SOFTHSM2_CONF = conf
  return {
    module,
    dir,
    initToken(label, pin, soPin = `so-${pin}`) {
      execFileSync(
        'softhsm2-util',
        ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin],
        {
          env: { ...process.env, SOFTHSM2_CONF: conf },
          stdio: 'pipe',
        },
      )
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}

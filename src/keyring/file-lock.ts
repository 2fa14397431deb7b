/**
 * An exclusive lock between processes: a lock file created with `O_CREAT | O_EXCL`, holding the
 * owner's pid, host, creation time and a random token. A lock left behind by a process that
 * died (killed mid-save) is recovered: on the same host when its pid no longer exists, and on
 * any host once it is older than `staleMs` (a save holds the lock for milliseconds).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { open, readFile, stat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { FieldsealError } from '../errors.js'

/** Options of {@link acquireFileLock}. */
export interface FileLockOptions {
  /** Longest wait for a lock held by someone else, in ms, before `ERR_FIELDSEAL_STORE_LOCKED`. */
  readonly timeoutMs: number
  /** Age in ms after which a lock whose owner cannot be checked is taken as abandoned. */
  readonly staleMs: number
}

interface LockOwner {
  readonly pid: number
  readonly hostname: string
  readonly createdAt: string
  readonly token: string
}

const UNREADABLE_STALE_MS = 2_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>
    if (Number.isSafeInteger(owner.pid) && typeof owner.hostname === 'string')
      return owner as LockOwner
  } catch {
    // an empty or partly written lock file: its owner died between creating and writing it
  }
  return undefined
}

/** True when a process with this pid exists (EPERM: it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code
}

/** Removes the lock at `path` if it is abandoned; true when the caller should try again. */
async function breakIfStale(path: string, staleMs: number): Promise<boolean> {
  let text: string
  let ageMs: number
  try {
    text = await readFile(path, 'utf8')
    ageMs = Date.now() - (await stat(path)).mtimeMs
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return true // released meanwhile
    throw error
  }
  const owner = parseOwner(text)
  const deadOwner =
    owner !== undefined &&
    owner.hostname === hostname() &&
    owner.pid !== process.pid &&
    !isProcessAlive(owner.pid)
  // An unreadable lock was left by a writer that died between creating and filling it: the
  // write follows the create at once, so a short age suffices.
  const limit = owner === undefined ? Math.min(staleMs, UNREADABLE_STALE_MS) : staleMs
  if (!deadOwner && ageMs < limit) return false
  // Remove it only if it is still the lock just judged: another waiter may have replaced it.
  const again = await readFile(path, 'utf8').catch(() => undefined)
  if (again === text) await unlink(path).catch(() => undefined)
  return true
}

/**
 * Takes the lock at `path`, waiting up to `timeoutMs`. Returns the function that releases it.
 *
 * @example
 * ```ts
 * const release = await acquireFileLock('/var/lib/app/keyring.json.lock', { timeoutMs: 5000, staleMs: 10000 })
 * try { … } finally { await release() }
 * ```
 */
export async function acquireFileLock(
  path: string,
  options: FileLockOptions,
): Promise<() => Promise<void>> {
  const token = randomBytes(12).toString('base64url')
  const content = `${JSON.stringify({
    pid: process.pid,
    hostname: hostname(),
    createdAt: new Date().toISOString(),
    token,
  })}\n`
  const deadline = Date.now() + options.timeoutMs
  let delay = 2
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600)
      try {
        await handle.writeFile(content)
      } catch (error) {
        await handle.close()
        await unlink(path).catch(() => undefined)
        throw error
      }
      await handle.close()
      return async function releaseFileLock() {
        // Only our own lock is removed, never one that replaced it after a stale break.
        const current = await readFile(path, 'utf8').catch(() => undefined)
        if (current === content) await unlink(path).catch(() => undefined)
      }
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error
    }
    if (await breakIfStale(path, options.staleMs)) continue
    if (Date.now() >= deadline) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_STORE_LOCKED',
        `the key store is locked by another writer (lock file ${path}); retry later, or remove the lock file if no fieldseal process is running`,
      )
    }
    await sleep(delay + Math.random() * delay)
    delay = Math.min(delay * 2, 50)
  }
}

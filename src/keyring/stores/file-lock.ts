/**
 * An exclusive lock between processes: a lock file holding the owner's pid, host, creation time
 * and a random token. It appears with its whole content at once (written to a temp file, then
 * hard-linked into place, which fails if the lock exists), so a lock is never seen half written.
 *
 * A lock left behind by a process that died (killed mid-save) is taken over: on the same host
 * when its pid no longer exists, on any host once it is older than `staleMs` (a save holds the
 * lock for milliseconds). Taking over is not check-then-act: a lock file is only ever removed by
 * the holder of its *claim*, a lock on that very lock (`<lock>.break-<hash of its content>`),
 * taken the same way; every waiter that judged the same content abandoned contends for the same
 * claim, so exactly one removes it, and only after reading that it still holds that content. A
 * claim left by a breaker that died is itself taken over like any lock.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import { type FileHandle, link, open, readdir, readFile, stat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { FieldsealError } from '../../errors.js'

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
}

// A lock file written in place (no hard links, or by fieldseal 0.1.0) may be empty for an
// instant; one still unreadable after this long was left by a writer that died in between.
const UNREADABLE_STALE_MS = 2_000
// Claims on claims: each level needs a breaker killed inside a few system calls.
const MAX_CLAIM_DEPTH = 3
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'])
// Folders whose file system refused a hard link: locks there are created in place.
const withoutHardLinks = new Set<string>()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>
    if (Number.isSafeInteger(owner.pid) && typeof owner.hostname === 'string') {
      return owner as LockOwner
    }
  } catch {
    // empty or partly written: see UNREADABLE_STALE_MS
  }
  return undefined
}

/** True when a process with this pid exists (EPERM: it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return errorCode(error) === 'EPERM'
  }
}

function lockContent(): string {
  const owner = {
    pid: process.pid,
    hostname: hostname(),
    createdAt: new Date().toISOString(),
    token: randomBytes(12).toString('base64url'),
  }
  return `${JSON.stringify(owner)}\n`
}

/** The claim every breaker of the lock holding `text` contends for. */
function claimPath(path: string, text: string): string {
  return `${path}.break-${createHash('sha256').update(text).digest('base64url').slice(0, 16)}`
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined
    throw error
  }
}

/** Creates the lock file with `content` unless it exists; true when created. */
async function create(path: string, content: string): Promise<boolean> {
  if (withoutHardLinks.has(dirname(path))) return createInPlace(path, content)
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`
  const handle = await open(temp, 'wx', 0o600)
  try {
    try {
      await handle.writeFile(content)
    } finally {
      await handle.close()
    }
    await link(temp, path)
    return true
  } catch (error) {
    const code = errorCode(error) ?? ''
    // ENOENT: a sweep removed the temp file as left over; the caller tries again.
    if (code === 'EEXIST' || code === 'ENOENT') return false
    if (!NO_HARD_LINKS.has(code)) throw error
    withoutHardLinks.add(dirname(path))
    return createInPlace(path, content)
  } finally {
    await unlink(temp).catch(() => undefined)
  }
}

async function createInPlace(path: string, content: string): Promise<boolean> {
  let handle: FileHandle
  try {
    handle = await open(path, 'wx', 0o600)
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false
    throw error
  }
  try {
    await handle.writeFile(content)
  } catch (error) {
    await handle.close()
    await unlink(path).catch(() => undefined)
    throw error
  }
  await handle.close()
  return true
}

/** True when the lock holding `text`, last changed `ageMs` ago, was abandoned by its owner. */
function abandoned(text: string, ageMs: number, staleMs: number): boolean {
  const owner = parseOwner(text)
  if (owner === undefined) return ageMs >= Math.min(staleMs, UNREADABLE_STALE_MS)
  const deadHere =
    owner.hostname === hostname() && owner.pid !== process.pid && !isProcessAlive(owner.pid)
  return deadHere || ageMs >= staleMs
}

/** Removes the lock at `path` if it still holds `text`, under the claim on that content. */
async function removeHolding(path: string, text: string, depth: number, staleMs: number) {
  const releaseClaim = await attempt(claimPath(path, text), lockContent(), depth + 1, staleMs)
  if (releaseClaim === undefined) return // someone else holds the claim: they remove it
  try {
    // Under the claim nobody else removes this lock, and nobody creates one while it exists.
    if ((await readIfExists(path)) === text) await unlink(path).catch(() => undefined)
  } finally {
    await releaseClaim()
  }
}

function releaser(path: string, content: string, depth: number, staleMs: number) {
  return async function releaseFileLock(): Promise<void> {
    // The lock is released as an abandoned one is removed: under its claim, so a lock that
    // replaced it is never touched. A claim, held for a few system calls, is removed directly.
    if (depth === 0) await removeHolding(path, content, depth, staleMs)
    else if ((await readIfExists(path)) === content) await unlink(path).catch(() => undefined)
  }
}

/** One try at the lock: its release function, or `undefined` when someone else holds it. */
async function attempt(
  path: string,
  content: string,
  depth: number,
  staleMs: number,
): Promise<(() => Promise<void>) | undefined> {
  if (await create(path, content)) return releaser(path, content, depth, staleMs)
  if (depth >= MAX_CLAIM_DEPTH) return undefined
  let text: string
  let ageMs: number
  try {
    text = await readFile(path, 'utf8')
    ageMs = Date.now() - (await stat(path)).mtimeMs
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error
    return (await create(path, content)) ? releaser(path, content, depth, staleMs) : undefined
  }
  if (abandoned(text, ageMs, staleMs)) {
    await removeHolding(path, text, depth, staleMs)
    if (await create(path, content)) return releaser(path, content, depth, staleMs)
  }
  return undefined
}

/** Temp files of creators killed before they cleaned up, and claims on locks that are gone. */
async function sweep(path: string, content: string): Promise<void> {
  const prefix = `${basename(path)}.`
  const ours = basename(claimPath(path, content))
  for (const name of await readdir(dirname(path)).catch(() => [] as string[])) {
    if (!name.startsWith(prefix) || name.startsWith(ours)) continue
    const rest = name.slice(prefix.length)
    if (/^[0-9a-f]{12}\.tmp$/.test(rest) || rest.startsWith('break-')) {
      await unlink(join(dirname(path), name)).catch(() => undefined)
    }
  }
}

/**
 * Takes the lock at `path`, waiting up to `timeoutMs`. Returns the function that releases it.
 *
 * @example
 * ```ts
 * const release = await acquireFileLock('/var/lib/app/keyring.json.lock', { timeoutMs: 5000, staleMs: 10000 })
 * try {
 *   // read, change and save the keyring
 * } finally {
 *   await release()
 * }
 * ```
 */
export async function acquireFileLock(
  path: string,
  options: FileLockOptions,
): Promise<() => Promise<void>> {
  const content = lockContent()
  const deadline = Date.now() + options.timeoutMs
  let delay = 2
  for (;;) {
    const release = await attempt(path, content, 0, options.staleMs)
    if (release !== undefined) {
      await sweep(path, content)
      return release
    }
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

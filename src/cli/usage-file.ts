/**
 * Usage reports given to `keys retire --usage FILE.json`: the JSON `fieldseal usage --json`
 * prints (or any object with `byKid` and `legacy`). Several reports (one per table or file) are
 * added up, so a key is retired only when no data set uses it; they count as taken when the
 * earliest of them was (a report that does not say when counts as taken too early).
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import type { KeyUsageLike } from '../keyring/index.js'
import { UsageError } from './exit-codes.js'

function count(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function asReport(parsed: unknown, path: string, command: string): KeyUsageLike {
  const bad = () =>
    new UsageError(
      `${path} is not a usage report (make one with: fieldseal usage FILE --json)`,
      command,
    )
  if (typeof parsed !== 'object' || parsed === null) throw bad()
  const { byKid, legacy, startedAt } = parsed as Record<string, unknown>
  if (typeof byKid !== 'object' || byKid === null || Array.isArray(byKid)) throw bad()
  if (!Object.values(byKid).every(count)) throw bad()
  if (legacy !== undefined && !count(legacy)) throw bad()
  if (startedAt !== undefined && startedAt !== null && typeof startedAt !== 'string') throw bad()
  return {
    byKid: byKid as Record<string, number>,
    legacy: (legacy as number | undefined) ?? 0,
    startedAt: (startedAt as string | null | undefined) ?? null,
  }
}

function earliest(a: string | null | undefined, b: string | null): string | null {
  if (a === undefined) return b
  if (a === null || b === null) return null
  return Date.parse(b) < Date.parse(a) ? b : a
}

/**
 * Reads and adds up usage reports. A file that is not one is a usage error (exit code 2).
 *
 * @example
 * ```ts
 * const usage = await readUsageReports(['customers.json', 'orders.json'], 'keys retire')
 * await manager.retireKey(kid, { usage })
 * ```
 */
export async function readUsageReports(
  paths: readonly string[],
  command: string,
): Promise<KeyUsageLike> {
  const byKid: Record<string, number> = Object.create(null)
  let legacy = 0
  let startedAt: string | null | undefined
  for (const path of paths) {
    let parsed: unknown
    try {
      parsed = JSON.parse(await readFile(path, 'utf8'))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== undefined) throw error
      // The parser's message quotes the file; a usage report holds no secret, but stay uniform.
      throw new UsageError(`${path} is not JSON`, command)
    }
    const report = asReport(parsed, path, command)
    for (const [kid, n] of Object.entries(report.byKid)) byKid[kid] = (byKid[kid] ?? 0) + n
    legacy += report.legacy ?? 0
    startedAt = earliest(startedAt, report.startedAt ?? null)
  }
  return { byKid, legacy, startedAt: startedAt ?? null }
}

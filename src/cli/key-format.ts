/**
 * How keys read on a terminal: a table of metadata (never material), and one-line descriptions.
 *
 * @module
 */
import type { KeyInfo } from '../keyring/index.js'
import { table } from './output.js'

function when(iso: string | null, none = '-'): string {
  return iso === null ? none : iso.slice(0, 16).replace('T', ' ')
}

function expiry(key: KeyInfo, now: number): string {
  if (key.expiresAt === null) return 'never'
  const expired = Date.parse(key.expiresAt) <= now && key.status === 'active'
  return expired ? `${when(key.expiresAt)} (expired)` : when(key.expiresAt)
}

/**
 * The keys as an aligned table.
 *
 * @example
 * ```ts
 * out.result({ keys }, () => keyTable(keys))
 * ```
 */
export function keyTable(keys: readonly KeyInfo[], now = Date.now()): string {
  if (keys.length === 0) return 'no keys\n'
  return table(
    ['ID', 'TYPE', 'VERSION', 'STATUS', 'CREATED', 'EXPIRES', 'ROTATED BY', 'ENCRYPTIONS'],
    keys.map((key) => [
      key.id,
      key.type,
      String(key.version),
      key.status,
      when(key.createdAt),
      expiry(key, now),
      key.rotatedBy ?? '-',
      String(key.encryptions),
    ]),
  )
}

/**
 * `data key K2 (version 2, active)`.
 *
 * @example
 * ```ts
 * out.note(`created ${describeKey(key)}`)
 * ```
 */
export function describeKey(key: KeyInfo): string {
  return `${key.type} key ${key.id} (version ${key.version}, ${key.status})`
}

/**
 * The CLI's command table: every command, and the groups (`keys`) that hold subcommands.
 *
 * @module
 */
import type { Command } from './command.js'
import { keygen } from './keygen.js'
import { keysInit, keysRetire, keysRotate } from './keys-change.js'
import { keysDeactivate, keysReactivate } from './keys-switch.js'
import { keysImport, keysRewrap } from './keys-master.js'
import { keysExpiring, keysExportMetadata, keysList } from './keys-read.js'
import { reencrypt } from './reencrypt.js'
import { usage } from './usage.js'

/** Every command, in help order. */
export const COMMANDS: readonly Command[] = [
  keygen,
  keysInit,
  keysList,
  keysRotate,
  keysRetire,
  keysDeactivate,
  keysReactivate,
  keysExpiring,
  keysExportMetadata,
  keysImport,
  keysRewrap,
  usage,
  reencrypt,
]

/** Command groups and what they are for. */
export const GROUPS: Readonly<Record<string, string>> = {
  keys: 'manage a persisted keyring: create, list, rotate, retire, rewrap',
}

/**
 * Subcommand names of a group.
 *
 * @example
 * ```ts
 * subcommands('keys') // ['init', 'list', 'rotate', …]
 * ```
 */
export function subcommands(group: string): string[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `)).map((c) =>
    c.name.slice(group.length + 1),
  )
}

/** Top-level words: commands without a group, the groups, and `help`. */
export function topLevelWords(): string[] {
  return [
    ...COMMANDS.filter((c) => !c.name.includes(' ')).map((c) => c.name),
    ...Object.keys(GROUPS),
    'help',
  ]
}

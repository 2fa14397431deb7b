/**
 * Command-line parsing on `node:util` `parseArgs`: every flag the CLI knows, with one type each,
 * parsed once for the whole line; then each command checks which flags apply to it. Unknown
 * flags and missing values are usage errors with a "Did you mean…" hint.
 *
 * @module
 */
import { parseArgs } from 'node:util'
import { UsageError } from './exit-codes.js'
import { didYouMean } from './suggest.js'

/** How a flag is written. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean'
  /** One-letter alias, e.g. `h` for `-h`. */
  readonly short?: string
  /** May be given more than once (values are collected). */
  readonly multiple?: boolean
  /** Placeholder of the value in help text, e.g. `FILE`. */
  readonly label?: string
}

/** Every flag of every command. A name has the same type wherever it is used. */
export const FLAGS: Readonly<Record<string, FlagSpec>> = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  version: { type: 'boolean' },
  store: { type: 'string', label: 'PATH|URL' },
  'master-key-file': { type: 'string', label: 'FILE' },
  'passphrase-file': { type: 'string', label: 'FILE' },
  'pbkdf2-iterations': { type: 'string', label: 'N' },
  'pg-table': { type: 'string', label: 'NAME' },
  'keyring-name': { type: 'string', label: 'NAME' },
  by: { type: 'string', label: 'NAME' },
  type: { type: 'string', label: 'TYPE' },
  types: { type: 'string', label: 'LIST' },
  status: { type: 'string', label: 'STATUS' },
  'ttl-days': { type: 'string', label: 'N|none' },
  'if-active': { type: 'string', label: 'ID' },
  force: { type: 'boolean' },
  usage: { type: 'string', label: 'FILE.json', multiple: true },
  days: { type: 'string', label: 'N' },
  'new-master-key-file': { type: 'string', label: 'FILE' },
  'new-passphrase-file': { type: 'string', label: 'FILE' },
  file: { type: 'string', label: 'FILE' },
  'no-activate': { type: 'boolean' },
  fields: { type: 'string', label: 'a,b.c', multiple: true },
  out: { type: 'string', short: 'o', label: 'FILE' },
  'start-after': { type: 'string', label: 'N' },
  resume: { type: 'boolean' },
  'stop-on-error': { type: 'boolean' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  'env-keys': { type: 'boolean' },
}

/** A flag's value: text, on/off, or every value of a repeatable flag. */
export type FlagValue = string | boolean | string[]

/** The command line split into words and flags. */
export interface ParsedLine {
  /** Words that are not flags, in order: command, subcommand, arguments. */
  readonly positionals: string[]
  /** Flags given, by name (without dashes). */
  readonly flags: ReadonlyMap<string, FlagValue>
  /** How each flag was written (`-h`, `--out`), for messages. */
  readonly written: ReadonlyMap<string, string>
  /** Flags nobody knows, as written; reported once the command is known, to suggest its flags. */
  readonly unknown: readonly string[]
}

const SHORT_TO_LONG = new Map(
  Object.entries(FLAGS).flatMap(([name, spec]) => (spec.short ? [[spec.short, name]] : [])),
)

/**
 * Splits `argv` (without `node` and the script) into words and flags. Throws {@link UsageError}
 * for a flag without its value, a repeated flag, or a value given to an on/off flag; unknown
 * flags are collected for {@link checkFlags}.
 *
 * @example
 * ```ts
 * parseLine(['keys', 'rotate', '--by', 'ops']).flags.get('by') // 'ops'
 * ```
 */
export function parseLine(argv: readonly string[]): ParsedLine {
  const { tokens } = parseArgs({
    args: [...argv],
    options: FLAGS as Record<string, FlagSpec>,
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  const positionals: string[] = []
  const flags = new Map<string, FlagValue>()
  const written = new Map<string, string>()
  const unknown: string[] = []
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value)
      continue
    }
    if (token.kind !== 'option') continue
    // parseArgs names a known short flag by its long name already; an unknown one by its letter.
    const name = Object.hasOwn(FLAGS, token.name) ? token.name : SHORT_TO_LONG.get(token.name)
    const spec = name === undefined ? undefined : FLAGS[name]
    if (name === undefined || spec === undefined) {
      unknown.push(token.rawName)
      continue
    }
    written.set(name, token.rawName)
    if (spec.type === 'boolean') {
      if (token.value !== undefined) {
        throw new UsageError(`option ${token.rawName} takes no value`)
      }
      flags.set(name, true)
      continue
    }
    // parseArgs would take the next flag as the value: `--days --json` is a missing value.
    if (token.value === undefined || (!token.inlineValue && /^--?[A-Za-z]/.test(token.value))) {
      throw new UsageError(`option ${token.rawName} needs a value (${token.rawName} ${spec.label})`)
    }
    if (spec.multiple) {
      const list = (flags.get(name) as string[] | undefined) ?? []
      flags.set(name, [...list, token.value])
    } else {
      if (flags.has(name)) throw new UsageError(`option ${token.rawName} is given twice`)
      flags.set(name, token.value)
    }
  }
  return { positionals, flags, written, unknown }
}

/**
 * Throws {@link UsageError} for an unknown flag or one `command` does not take, suggesting the
 * closest flag `command` takes.
 *
 * @example
 * ```ts
 * checkFlags(line, ['help', 'json', 'days'], 'keys expiring')
 * ```
 */
export function checkFlags(line: ParsedLine, allowed: readonly string[], command: string): void {
  for (const raw of line.unknown) {
    const name = raw.replace(/^--?/, '')
    const hint = didYouMean(name, allowed, '--')
    throw new UsageError(`unknown option ${raw}.${hint}`, command || undefined)
  }
  for (const name of line.flags.keys()) {
    if (allowed.includes(name)) continue
    const hint = didYouMean(name, allowed, '--')
    throw new UsageError(
      `option ${line.written.get(name) ?? `--${name}`} does not apply to "${command || 'fieldseal'}".${hint}`,
      command || undefined,
    )
  }
}

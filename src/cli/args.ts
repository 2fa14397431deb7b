/**
 * Command-line parsing: every flag the CLI knows, with one type each, parsed once for the whole
 * line; then each command checks which flags apply to it. Unknown flags and missing values are
 * usage errors with a "Did you mean…" hint.
 *
 * Key ids are base64url, so one in 64 starts with "-". A general-purpose parser reads
 * `-kWqct66ZzU` as the short options -k, -W, … and refuses it; this one knows that the CLI's
 * short flags are `-h` and `-o` alone, so any other word that starts with a single "-" is an
 * argument. A flag's value is the next word unless that word is a flag this CLI knows (so
 * `--days --json` is a missing value, `--if-active -AkXzm6KcV8` a key id). After `--`, every
 * word is an argument: the way to pass an id that starts with "--".
 *
 * @module
 */
import { UsageError } from './exit-codes.js'
import { KID_PATTERN } from '../crypto/envelope.js'
import { didYouMean, mayEcho } from './suggest.js'

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
  master: { type: 'string', label: 'SPEC' },
  to: { type: 'string', label: 'SPEC' },
  'generate-key': { type: 'boolean' },
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

/** A flag nobody knows, as written (without any `=value`), and its place on the line. */
export interface UnknownFlag {
  readonly raw: string
  /** 1-based place on the command line (the word after `fieldseal` is 1). */
  readonly position: number
}

/** The command line split into words and flags. */
export interface ParsedLine {
  /** Words that are not flags, in order: command, subcommand, arguments. */
  readonly positionals: string[]
  /** Where each positional stands on the command line (1-based), for messages. */
  readonly positions: number[]
  /** Flags given, by name (without dashes). */
  readonly flags: ReadonlyMap<string, FlagValue>
  /** How each flag was written (`-h`, `--out`), for messages. */
  readonly written: ReadonlyMap<string, string>
  /** Flags nobody knows; reported once the command is known, to suggest its flags. */
  readonly unknown: readonly UnknownFlag[]
}

const SHORT_TO_LONG = new Map(
  Object.entries(FLAGS).flatMap(([name, spec]) => (spec.short ? [[spec.short, name]] : [])),
)

/** A word read as a flag: its name (undefined when unknown), how it was written, its `=value`. */
interface FlagWord {
  readonly name: string | undefined
  readonly raw: string
  readonly inline: string | undefined
}

/** `word` as a flag, or `undefined` when it is an argument (`-`, `-kWqct66ZzU`, `file.json`). */
function flagWord(word: string): FlagWord | undefined {
  if (word.startsWith('--')) {
    const equals = word.indexOf('=')
    const raw = equals === -1 ? word : word.slice(0, equals)
    const name = raw.slice(2)
    const inline = equals === -1 ? undefined : word.slice(equals + 1)
    return { name: Object.hasOwn(FLAGS, name) ? name : undefined, raw, inline }
  }
  if (/^-[^-]$/.test(word))
    return { name: SHORT_TO_LONG.get(word[1] as string), raw: word, inline: undefined }
  // A long flag written with one dash is a typo worth a hint; other such words are arguments.
  if (word.startsWith('-') && Object.hasOwn(FLAGS, word.slice(1))) {
    return { name: undefined, raw: word, inline: undefined }
  }
  return undefined
}

/** True for a word that is a flag this CLI knows, as a value would never be. */
function isKnownFlag(word: string): boolean {
  return flagWord(word)?.name !== undefined
}

/**
 * Splits `argv` (without `node` and the script) into words and flags. Throws {@link UsageError}
 * for a flag without its value, a repeated flag, or a value given to an on/off flag; unknown
 * flags are collected for {@link checkFlags}.
 *
 * @example
 * ```ts
 * parseLine(['keys', 'rotate', '--by', 'ops']).flags.get('by') // 'ops'
 * parseLine(['keys', 'retire', '-kWqct66ZzU']).positionals // ['keys', 'retire', '-kWqct66ZzU']
 * ```
 */
export function parseLine(argv: readonly string[]): ParsedLine {
  const positionals: string[] = []
  const positions: number[] = []
  const flags = new Map<string, FlagValue>()
  const written = new Map<string, string>()
  const unknown: UnknownFlag[] = []
  let argumentsOnly = false
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string
    if (word === '--' && !argumentsOnly) {
      argumentsOnly = true
      continue
    }
    const flag = argumentsOnly ? undefined : flagWord(word)
    if (flag === undefined) {
      positionals.push(word)
      positions.push(i + 1)
      continue
    }
    const spec = flag.name === undefined ? undefined : FLAGS[flag.name]
    if (flag.name === undefined || spec === undefined) {
      unknown.push({ raw: flag.raw, position: i + 1 })
      continue
    }
    written.set(flag.name, flag.raw)
    if (spec.type === 'boolean') {
      if (flag.inline !== undefined) throw new UsageError(`option ${flag.raw} takes no value`)
      flags.set(flag.name, true)
      continue
    }
    let value = flag.inline
    if (value === undefined) {
      const next = argv[i + 1]
      if (next === undefined || next === '--' || isKnownFlag(next)) {
        throw new UsageError(`option ${flag.raw} needs a value (${flag.raw} ${spec.label})`)
      }
      value = next
      i++
    }
    if (spec.multiple) {
      const list = (flags.get(flag.name) as string[] | undefined) ?? []
      flags.set(flag.name, [...list, value])
    } else {
      if (flags.has(flag.name)) throw new UsageError(`option ${flag.raw} is given twice`)
      flags.set(flag.name, value)
    }
  }
  return { positionals, positions, flags, written, unknown }
}

/**
 * Throws {@link UsageError} for an unknown flag or one `command` does not take, suggesting the
 * closest flag `command` takes. For a command that takes a key id, an unknown `--…` word may be
 * an id: the message says how to pass one.
 *
 * @example
 * ```ts
 * checkFlags(line, ['help', 'json', 'days'], 'keys expiring')
 * ```
 */
export function checkFlags(
  line: ParsedLine,
  allowed: readonly string[],
  command: string,
  takesKeyId = false,
): void {
  for (const { raw, position } of line.unknown) {
    const shown = mayEcho(raw) ? raw : `argument ${position}`
    const hint = mayEcho(raw) ? didYouMean(raw.replace(/^--?/, ''), allowed, '--') : ''
    const asKeyId =
      takesKeyId && mayEcho(raw) && KID_PATTERN.test(raw)
        ? ` If it is a key id, put "--" before it: fieldseal ${command} -- ${raw}`
        : ''
    throw new UsageError(`unknown option ${shown}.${hint}${asKeyId}`, command || undefined)
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

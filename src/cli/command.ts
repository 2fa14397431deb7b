/**
 * The shape of a CLI command and typed access to its flags. Every command declares the flags it
 * takes (with its own wording for help) and how many arguments; the runner checks both before
 * the command runs, so a command sees only well-formed input.
 *
 * @module
 */
import { KID_PATTERN } from '../crypto/envelope.js'
import type { FlagValue } from './args.js'
import { UsageError } from './exit-codes.js'
import { looksLikeKeyMaterial } from './redact.js'
import { closest, mayEcho } from './suggest.js'
import type { CliIo, Output } from './output.js'

/** What a command runs with. */
export interface CommandContext {
  readonly io: CliIo
  readonly out: Output
  /** Full name, e.g. `keys rotate`. */
  readonly command: string
  /** Arguments after the command words. */
  readonly args: readonly string[]
  readonly flags: ReadonlyMap<string, FlagValue>
  /** Set once SIGINT or SIGTERM arrives; long commands stop at the next record. */
  readonly interrupted: () => boolean
}

/** One command of the CLI. */
export interface Command {
  /** Full name, e.g. `keys rotate`. */
  readonly name: string
  /** One line for command lists. */
  readonly summary: string
  /** The arguments part of the usage line, e.g. `ID [--force] [--usage FILE.json]…`. */
  readonly usage: string
  /** Fewest and most arguments. */
  readonly args: readonly [min: number, max: number]
  /**
   * Its one argument is a key id: checked to be shaped like one before the command runs (a key
   * pasted in its place is refused without being echoed), taken as it is when it starts with "-".
   */
  readonly keyIdArgument?: boolean
  /** Flags it takes (besides `--help` and `--json`), with their help text. */
  readonly flags: Readonly<Record<string, string>>
  /** Paragraphs shown under the usage line. */
  readonly description?: string
  readonly examples?: readonly string[]
  run(context: CommandContext): Promise<number>
}

/**
 * Refuses `word` unless it is shaped like a key id and not like key material, naming it by
 * `where` (`argument 3`, `--if-active`), never by its value.
 *
 * @example
 * ```ts
 * checkKeyId(context.args[0], 'argument 3', 'keys retire')
 * ```
 */
export function checkKeyId(word: string, where: string, command: string): void {
  if (KID_PATTERN.test(word) && !looksLikeKeyMaterial(word)) return
  const what = looksLikeKeyMaterial(word) ? 'looks like key material, not' : 'is not'
  throw new UsageError(
    `${where} ${what} a key id (11 characters of A-Z, a-z, 0-9, "_" and "-", as "fieldseal keys list" shows them)`,
    command,
  )
}

/**
 * A key id flag's value (`--if-active ID`), checked as {@link checkKeyId} does; `undefined` when
 * absent.
 *
 * @example
 * ```ts
 * const ifActive = keyIdFlag(context, 'if-active')
 * ```
 */
export function keyIdFlag(context: CommandContext, name: string): string | undefined {
  const value = stringFlag(context, name)
  if (value !== undefined) checkKeyId(value, `the value of --${name}`, context.command)
  return value
}

/**
 * A flag's text value, or `undefined` when absent.
 *
 * @example
 * ```ts
 * const by = stringFlag(context, 'by')
 * ```
 */
export function stringFlag(context: CommandContext, name: string): string | undefined {
  const value = context.flags.get(name)
  return typeof value === 'string' ? value : undefined
}

/**
 * Whether an on/off flag is on.
 *
 * @example
 * ```ts
 * if (booleanFlag(context, 'force')) warnAboutDataLoss()
 * ```
 */
export function booleanFlag(context: CommandContext, name: string): boolean {
  return context.flags.get(name) === true
}

/**
 * Every value of a repeatable flag, each split at commas and trimmed (`--fields a,b --fields c`).
 *
 * @example
 * ```ts
 * listFlag(context, 'fields') // ['a', 'b', 'c']
 * ```
 */
export function listFlag(context: CommandContext, name: string): string[] | undefined {
  const value = context.flags.get(name)
  if (value === undefined || typeof value === 'boolean') return undefined
  const items = [value]
    .flat()
    .flatMap((part) => part.split(','))
    .map((part) => part.trim())
  if (items.some((item) => item === '')) {
    throw new UsageError(`--${name} holds an empty item`, context.command)
  }
  return items
}

/** Bounds of {@link numberFlag}. */
export interface NumberBounds {
  readonly min: number
  readonly max?: number
  /** Whole numbers only. */
  readonly integer?: boolean
}

/**
 * A numeric flag, checked against `bounds`; `undefined` when absent.
 *
 * @example
 * ```ts
 * numberFlag(context, 'days', { min: 0 }) // 7 for --days 7
 * ```
 */
export function numberFlag(
  context: CommandContext,
  name: string,
  bounds: NumberBounds,
): number | undefined {
  const text = stringFlag(context, name)
  if (text === undefined) return undefined
  const value = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER
  if (
    !Number.isFinite(value) ||
    value < bounds.min ||
    value > max ||
    (bounds.integer === true && !Number.isSafeInteger(value))
  ) {
    const kind = bounds.integer ? 'a whole number' : 'a number'
    throw new UsageError(`--${name} must be ${kind} from ${bounds.min} to ${max}`, context.command)
  }
  return value
}

/**
 * A flag whose values must come from `choices` (comma-separated when `multiple`).
 *
 * @example
 * ```ts
 * choiceFlag(context, 'type', KEY_TYPES) // ['data']
 * ```
 */
export function choiceFlag<T extends string>(
  context: CommandContext,
  name: string,
  choices: readonly T[],
): T[] | undefined {
  const items = listFlag(context, name)
  if (items === undefined) return undefined
  for (const item of items) {
    if (!(choices as readonly string[]).includes(item)) {
      const guess = mayEcho(item) ? closest(item, choices) : undefined
      const hint = guess === undefined ? '' : ` Did you mean "${guess}"?`
      const got = mayEcho(item) ? `; got "${item}"` : ''
      throw new UsageError(
        `--${name} must be one of ${choices.join(', ')}${got}.${hint}`,
        context.command,
      )
    }
  }
  return items as T[]
}

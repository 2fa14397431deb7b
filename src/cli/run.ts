/**
 * The CLI runner: parses the command line, finds the command, checks its flags and arguments,
 * runs it and turns any error into a code and message on stderr and an exit code. It takes its
 * streams and environment as arguments, so it runs the same under a test as in a process.
 *
 * @module
 */
import { checkFlags, parseLine, type ParsedLine } from './args.js'
import { checkKeyId, type Command, type CommandContext } from './command.js'
import { COMMANDS, GROUPS, subcommands, topLevelWords } from './commands.js'
import { EXIT_OK, EXIT_USAGE, UsageError } from './exit-codes.js'
import { commandHelp, groupHelp, mainHelp } from './help.js'
import { actorOf } from './keystore.js'
import { Output, type CliIo } from './output.js'
import { didYouMean, echo } from './suggest.js'
import { packageVersion } from './version.js'

/** Options of {@link runCli}. */
export interface RunOptions {
  /** True once the process was asked to stop (SIGINT, SIGTERM). Defaults to never. */
  readonly interrupted?: () => boolean
}

const GLOBAL_FLAGS = ['help', 'json']

/** A group, a command, or the overview: what `help` and `--help` show. */
type Topic =
  | { kind: 'main' }
  | { kind: 'group'; group: string }
  | { kind: 'command'; command: Command }

/** Finds the topic the words name; `rest` is what follows the command words, `at` where it stands. */
function resolve(
  words: readonly string[],
  positions: readonly number[],
): { topic: Topic; rest: string[]; at: number[] } {
  const [first, second] = words
  if (first === undefined) return { topic: { kind: 'main' }, rest: [], at: [] }
  if (first in GROUPS) {
    if (second === undefined) return { topic: { kind: 'group', group: first }, rest: [], at: [] }
    const command = COMMANDS.find((c) => c.name === `${first} ${second}`)
    if (command === undefined) {
      throw new UsageError(
        `unknown ${first} subcommand ${echo(second, positions[1] as number)}.${didYouMean(second, subcommands(first), `${first} `)}`,
        first,
      )
    }
    return { topic: { kind: 'command', command }, rest: words.slice(2), at: positions.slice(2) }
  }
  const command = COMMANDS.find((c) => c.name === first)
  if (command === undefined) {
    throw new UsageError(
      `unknown command ${echo(first, positions[0] as number)}.${didYouMean(first, topLevelWords())}`,
    )
  }
  return { topic: { kind: 'command', command }, rest: words.slice(1), at: positions.slice(1) }
}

function helpOf(topic: Topic): string {
  if (topic.kind === 'main') return mainHelp()
  if (topic.kind === 'group') return groupHelp(topic.group)
  return commandHelp(topic.command)
}

function checkArgs(command: Command, args: readonly string[], at: readonly number[]): void {
  const [min, max] = command.args
  if (args.length < min) {
    throw new UsageError(
      `missing argument: fieldseal ${command.name} ${command.usage}`,
      command.name,
    )
  }
  if (args.length > max) {
    throw new UsageError(`unexpected ${echo(args[max] as string, at[max] as number)}`, command.name)
  }
  if (command.keyIdArgument === true) {
    checkKeyId(args[0] as string, `argument ${at[0] as number}`, command.name)
  }
}

async function dispatch(
  line: ParsedLine,
  io: CliIo,
  out: Output,
  options: RunOptions,
): Promise<number> {
  const words = line.positionals
  if (words[0] === 'help') {
    checkFlags(line, GLOBAL_FLAGS, 'help')
    const { topic, rest, at } = resolve(words.slice(1), line.positions.slice(1))
    if (rest.length > 0) {
      throw new UsageError(`unexpected ${echo(rest[0] as string, at[0] as number)}`, 'help')
    }
    io.stdout.write(helpOf(topic))
    return EXIT_OK
  }
  const { topic, rest, at } = resolve(words, line.positions)
  if (topic.kind !== 'command') {
    const name = topic.kind === 'group' ? topic.group : undefined
    checkFlags(line, [...GLOBAL_FLAGS, ...(name === undefined ? ['version'] : [])], name ?? '')
    if (line.flags.get('version') === true) {
      io.stdout.write(`${await packageVersion()}\n`)
      return EXIT_OK
    }
    if (line.flags.get('help') === true) {
      io.stdout.write(helpOf(topic))
      return EXIT_OK
    }
    io.stderr.write(helpOf(topic))
    io.stderr.write(
      `\nfieldseal: ${name === undefined ? 'a command' : `a "${name}" subcommand`} is needed\n`,
    )
    return EXIT_USAGE
  }
  const { command } = topic
  const allowed = [...GLOBAL_FLAGS, ...Object.keys(command.flags)]
  checkFlags(line, allowed, command.name, command.keyIdArgument === true)
  if (line.flags.get('help') === true) {
    io.stdout.write(commandHelp(command))
    return EXIT_OK
  }
  checkArgs(command, rest, at)
  const context: CommandContext = {
    io,
    out,
    command: command.name,
    args: rest,
    flags: line.flags,
    interrupted: options.interrupted ?? (() => false),
  }
  // A bad --by is a usage error, reported before any key or store is touched.
  if (line.flags.has('by')) actorOf(context)
  return command.run(context)
}

/**
 * Runs one command line (without `node` and the script name) and returns its exit code.
 *
 * @example
 * ```ts
 * const code = await runCli(['keys', 'list', '--json'], {
 *   stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env,
 * })
 * ```
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  options: RunOptions = {},
): Promise<number> {
  // Before parsing succeeds, --json is honoured if it appears at all.
  let out = new Output(io, argv.includes('--json'))
  try {
    const line = parseLine(argv)
    out = new Output(io, line.flags.get('json') === true)
    return await dispatch(line, io, out, options)
  } catch (error) {
    return out.error(error)
  }
}

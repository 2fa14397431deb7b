/**
 * Help text: the overview (`fieldseal --help`), a group (`fieldseal keys --help`) and each
 * command (`fieldseal keys rotate --help`), generated from the command table so it cannot drift
 * from what the parser accepts. The exit codes are documented here.
 *
 * @module
 */
import { FLAGS } from './args.js'
import type { Command } from './command.js'
import { COMMANDS, GROUPS } from './commands.js'
import { NEW_MASTER_KEY_ENV_VAR, NEW_MASTER_PASSPHRASE_ENV_VAR } from './secret-env.js'

const WIDTH = 80

function wrap(text: string, indent = 0): string {
  const words = text.split(/\s+/).filter((w) => w !== '')
  const lines: string[] = []
  let line = ''
  for (const word of words) {
    if (line !== '' && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  if (line !== '') lines.push(line)
  return lines.map((l, i) => (i === 0 ? l : `${' '.repeat(indent)}${l}`)).join('\n')
}

function columns(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.min(30, Math.max(...rows.map(([left]) => left.length)) + 2)
  return rows
    .map(([left, right]) => {
      const pad =
        left.length + 2 > width ? `\n${' '.repeat(width + 2)}` : ' '.repeat(width - left.length)
      return `  ${left}${pad}${wrap(right, width + 2)}`
    })
    .join('\n')
}

function flagLabel(name: string): string {
  const spec = FLAGS[name]
  const short = spec?.short ? `-${spec.short}, ` : ''
  const value = spec?.type === 'string' ? ` ${spec.label ?? 'VALUE'}` : ''
  return `${short}--${name}${value}`
}

/** The exit codes, one per line. */
export const EXIT_CODES_TEXT = columns([
  ['0', 'success'],
  [
    '1',
    'the operation failed or was refused: key in use, wrong key state, unknown key id, records ' +
      'left unchanged by reencrypt, invalid NDJSON, a missing input file',
  ],
  ['2', 'usage error: unknown command or option, missing or invalid argument; nothing was done'],
  [
    '3',
    'key or key store error: no, malformed or wrong master key, no data key, an active key past ' +
      'its encryption limit, an empty, corrupt, locked or unreachable key store',
  ],
  ['130', 'interrupted (Ctrl-C, SIGTERM); reencrypt prints how to resume'],
])

const ENVIRONMENT_TEXT = columns([
  ['FIELDSEAL_KEYSTORE', 'key store: a JSON file path or a postgres:// URL (--store overrides)'],
  ['FIELDSEAL_MASTER_KEY', 'master key: base64 of 32 bytes (see keygen)'],
  ['FIELDSEAL_MASTER_PASSPHRASE', 'or a master passphrase (PBKDF2-HMAC-SHA256)'],
  ['FIELDSEAL_KEYS', 'simple mode data keys: base64, comma-separated, newest first'],
  [
    NEW_MASTER_KEY_ENV_VAR,
    `new master key for "keys rewrap" (or ${NEW_MASTER_PASSPHRASE_ENV_VAR})`,
  ],
])

function commandRow(command: Command): [string, string] {
  const args = command.args[1] > 0 ? ` ${command.usage.split(' ')[0]}` : ''
  return [`${command.name}${args}`, command.summary]
}

/**
 * `fieldseal --help`.
 *
 * @example
 * ```ts
 * io.stdout.write(mainHelp())
 * ```
 */
export function mainHelp(): string {
  return `fieldseal: field-level encryption keys and data from the command line

Usage: fieldseal <command> [options]

Commands:
${columns([...COMMANDS.map(commandRow), ['help [COMMAND]', 'show help for a command']])}

Options of every command:
${columns([
  ['-h, --help', 'show help'],
  ['--json', 'print the result as JSON; errors as {"error": {code, message, exitCode}} on stderr'],
  ['--version', 'print the version'],
  ['--', 'end of options: every word after it is an argument (a key id that starts with "--")'],
])}

Environment:
${ENVIRONMENT_TEXT}

Exit codes:
${EXIT_CODES_TEXT}

${wrap(
  'Secrets come from the environment or from files, never from arguments (other users can read ' +
    'the process list). Only "keygen" prints key material, and only on stdout. Errors print a ' +
    'code and a message on stderr, never a value.',
)}
`
}

/**
 * `fieldseal keys --help`.
 *
 * @example
 * ```ts
 * io.stdout.write(groupHelp('keys'))
 * ```
 */
export function groupHelp(group: string): string {
  const commands = COMMANDS.filter((c) => c.name.startsWith(`${group} `))
  return `Usage: fieldseal ${group} <subcommand> [options]

${wrap(`${GROUPS[group] ?? ''}.`)}

Subcommands:
${columns(commands.map((c) => [commandRow(c)[0].slice(group.length + 1), c.summary]))}

Run "fieldseal ${group} <subcommand> --help" for its options.
`
}

/**
 * `fieldseal <command> --help`.
 *
 * @example
 * ```ts
 * io.stdout.write(commandHelp(keysRotate))
 * ```
 */
export function commandHelp(command: Command): string {
  const flags: Array<[string, string]> = Object.entries(command.flags).map(([name, text]) => [
    flagLabel(name),
    text,
  ])
  flags.push(['--json', 'print the result as JSON'], ['-h, --help', 'show this help'])
  const parts = [
    `Usage: fieldseal ${command.name}${command.usage ? ` ${command.usage}` : ''}`,
    wrap(`${command.summary[0]?.toUpperCase()}${command.summary.slice(1)}.`),
  ]
  if (command.description) parts.push(wrap(command.description))
  if (command.keyIdArgument === true) {
    parts.push(
      wrap(
        'ID is taken as it is, also when it starts with "-" (one key id in 64 does); put "--" ' +
          `before one that starts with "--": fieldseal ${command.name} -- --AbCdEfGhI`,
      ),
    )
  }
  parts.push(`Options:\n${columns(flags)}`)
  if (command.examples?.length) {
    parts.push(`Examples:\n${command.examples.map((e) => `  ${e}`).join('\n')}`)
  }
  parts.push(
    'Exit codes: 0 ok, 1 failed or refused, 2 usage error, 3 key or key store error, 130 interrupted.',
  )
  return `${parts.join('\n\n')}\n`
}

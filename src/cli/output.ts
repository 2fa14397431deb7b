/**
 * What the CLI prints and where: results on stdout, as text for people or as one JSON document
 * with `--json`; notes, progress and errors on stderr. An error is its code and message only —
 * fieldseal's messages name paths, key ids and options, never values or key material.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { exitCodeFor, UsageError } from './exit-codes.js'
import { redact, secretsOf } from './redact.js'

/** A stream the CLI writes to (`process.stdout`, `process.stderr`). */
export interface OutStream {
  write(text: string): boolean
  readonly isTTY?: boolean
  readonly columns?: number
}

/** The process around a command: its streams and environment. Tests pass their own. */
export interface CliIo {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean; readonly fd?: number }
  readonly stdout: OutStream & NodeJS.WritableStream
  readonly stderr: OutStream
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The code and message of an error, as printed. */
export interface ErrorSummary {
  readonly code: string
  readonly message: string
  readonly exitCode: number
  readonly kid?: string
  readonly path?: string
}

/**
 * The printable summary of an error: its code (a fieldseal code, a Node.js system code such as
 * `ENOENT`, or `ERR_FIELDSEAL_CLI_INTERNAL`) and message.
 *
 * @example
 * ```ts
 * summarizeError(new FieldsealError('ERR_FIELDSEAL_KEY_IN_USE', 'data key "k1" still …')).exitCode // 1
 * ```
 */
export function summarizeError(error: unknown): ErrorSummary {
  const exitCode = exitCodeFor(error)
  if (error instanceof FieldsealError) {
    return {
      code: error.code,
      message: error.message,
      exitCode,
      ...(error.kid === undefined ? {} : { kid: error.kid }),
      ...(error.path === undefined ? {} : { path: error.path }),
    }
  }
  const candidate = error as { code?: unknown; message?: unknown } | null
  const code =
    typeof candidate?.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(candidate.code)
      ? candidate.code
      : 'ERR_FIELDSEAL_CLI_INTERNAL'
  const text = typeof candidate?.message === 'string' ? candidate.message : String(error)
  // Node.js system errors start with their code: "ENOENT: no such file or directory, stat 'x'".
  const message = text.startsWith(`${code}: `) ? text.slice(code.length + 2) : text
  return { code, message, exitCode }
}

/**
 * Lays out rows as aligned columns under a header.
 *
 * @example
 * ```ts
 * table(['ID', 'STATUS'], [['k1', 'active']]) // 'ID  STATUS\nk1  active\n'
 * ```
 */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((r) => (r[i] ?? '').length)),
  )
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd()
  return `${[header, ...rows].map(line).join('\n')}\n`
}

/**
 * Prints a command's result and notes, in the mode `--json` chose.
 *
 * @example
 * ```ts
 * out.result({ keys }, () => table(['ID'], keys.map((k) => [k.id])))
 * ```
 */
export class Output {
  readonly json: boolean
  readonly #io: CliIo
  readonly #secrets: readonly string[]

  constructor(io: CliIo, json: boolean) {
    this.#io = io
    this.json = json
    this.#secrets = secretsOf(io.env)
  }

  /**
   * Writes the result: `value` as JSON with `--json`, else the text `human()` returns. On stdout,
   * unless `toStderr` (a command whose stdout carries data, such as `reencrypt` without `--out`).
   */
  result(value: unknown, human: () => string, toStderr = false): void {
    const text = this.json ? `${JSON.stringify(value, null, 2)}\n` : human()
    if (text === '') return
    const stream = toStderr ? this.#io.stderr : this.#io.stdout
    stream.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  /**
   * A line for people on stderr (hints, warnings); stdout stays clean for pipes and scripts.
   * Anything shaped like key material, or one of the environment's secrets, is redacted.
   */
  note(text: string): void {
    this.#io.stderr.write(`${redact(text, this.#secrets)}\n`)
  }

  /** Prints an error to stderr (redacted as notes are) and returns its exit code. */
  error(error: unknown, helpCommand?: string): number {
    const summary = this.#redacted(summarizeError(error))
    if (this.json) {
      this.#io.stderr.write(`${JSON.stringify({ error: summary })}\n`)
      return summary.exitCode
    }
    this.#io.stderr.write(`fieldseal: ${summary.code}: ${summary.message}\n`)
    if (error instanceof UsageError) {
      const command = error.command ?? helpCommand
      this.#io.stderr.write(`Run "fieldseal ${command ? `${command} ` : ''}--help" for usage.\n`)
    }
    return summary.exitCode
  }

  #redacted(summary: ErrorSummary): ErrorSummary {
    const clean = (text: string) => redact(text, this.#secrets)
    return {
      ...summary,
      message: clean(summary.message),
      ...(summary.kid === undefined ? {} : { kid: clean(summary.kid) }),
      ...(summary.path === undefined ? {} : { path: clean(summary.path) }),
    }
  }
}

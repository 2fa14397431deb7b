#!/usr/bin/env node
/**
 * The `fieldseal` executable: runs {@link runCli} on the process's arguments and streams. The
 * first SIGINT or SIGTERM asks the running command to stop at a safe point (a re-encryption
 * finishes its current record, writes what it has and prints how to resume); a second one quits
 * at once.
 *
 * @module
 */
import { EXIT_FAILED, EXIT_INTERRUPTED } from './exit-codes.js'
import { runCli } from './run.js'

let stopping = false
function onSignal(): void {
  if (stopping) process.exit(EXIT_INTERRUPTED)
  stopping = true
  process.stderr.write('\nfieldseal: stopping at the next safe point (again to quit now)\n')
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
// A closed pipe (`fieldseal keys list | head -1`): nobody reads any more, so stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT_FAILED)
  throw error
})

const code = await runCli(
  process.argv.slice(2),
  { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env },
  { interrupted: () => stopping },
)
process.off('SIGINT', onSignal)
process.off('SIGTERM', onSignal)
process.exitCode = code

/**
 * `fieldseal keygen`: a new random 256-bit key. The only command that prints key material, and
 * only on stdout, so it can go straight into a secret store or a file.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { KEY_LENGTH } from '../crypto/aes-gcm.js'
import { keyFingerprint } from '../crypto/static-keys.js'
import type { Command } from './command.js'
import { EXIT_OK } from './exit-codes.js'

/** `fieldseal keygen`. */
export const keygen: Command = {
  name: 'keygen',
  summary: 'print a new random 32-byte key, base64 (for a master or data key)',
  usage: '',
  args: [0, 0],
  flags: {},
  description:
    'Prints the key on stdout and nothing else, so that "$(fieldseal keygen)" or "> file" takes it ' +
    'whole. With --json: {"key": …, "kid": …}, kid being the id FIELDSEAL_KEYS gives the key. ' +
    'This is the only command that prints key material.',
  examples: [
    'fieldseal keygen > master.key && chmod 600 master.key',
    'FIELDSEAL_MASTER_KEY=$(fieldseal keygen) fieldseal keys init --store keyring.json',
  ],
  async run(context) {
    const bytes = randomBytes(KEY_LENGTH)
    const key = bytes.toString('base64')
    const kid = keyFingerprint(bytes)
    bytes.fill(0)
    context.out.result({ key, kid }, () => `${key}\n`)
    return EXIT_OK
  },
}

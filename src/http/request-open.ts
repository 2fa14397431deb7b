/**
 * Which `enc:` values of a request body the middleware opens, and where their plaintext goes.
 *
 * Opening a value a client sent answers it: anyone holding a ciphertext could post it and read
 * it back. So, by default, only values at the encrypted paths are opened — they are sealed again
 * before the handler stores them — and a ciphertext anywhere else is refused unopened
 * (`ERR_FIELDSEAL_UNEXPECTED_CIPHERTEXT`): stored, it would wait for whatever reads the record
 * to open it. `decrypt: 'all'` or a list of paths opens more, for `req.fieldseal` only: the
 * handler's body keeps the ciphertext the client sent there (after it opened, under the
 * request's binding), so a value opened outside an encrypted path never reaches storage as
 * plaintext.
 *
 * @module
 */
import type { Binder } from '../core/binding.js'
import { decryptDocument, type DecryptMode } from '../core/field-ops.js'
import type { FieldsealConfig, ResolvedField } from '../core/options.js'

/** The middleware's `decrypt` option, resolved: what is opened besides the encrypted paths. */
export type DecryptSetting = 'encrypted' | 'all' | readonly ResolvedField[] | false

/** The decrypting walks of a request body, resolved once per middleware. */
export interface RequestModes {
  /** At the encrypted paths: what the handler's body is built from. `undefined`: none. */
  readonly sealed: Omit<DecryptMode, 'binder'> | undefined
  /** More paths, opened for `req.fieldseal` only. `undefined`: none. */
  readonly extra: Omit<DecryptMode, 'binder'> | undefined
}

/**
 * The walks for a `decrypt` setting and the encrypted fields (`undefined`: the policy's names).
 *
 * @example
 * ```ts
 * const modes = requestModes('encrypted', resolveFields(['ssn'], 'x'))
 * ```
 */
export function requestModes(
  decrypt: DecryptSetting,
  encrypted: readonly ResolvedField[] | undefined,
): RequestModes {
  if (decrypt === false) return { sealed: undefined, extra: undefined }
  const common = { requireEncrypted: false, reencrypt: false }
  const sealed = { ...common, fields: encrypted, everywhere: false }
  if (decrypt === 'encrypted')
    return { sealed: { ...sealed, refuseOthers: true }, extra: undefined }
  const extra =
    decrypt === 'all'
      ? { ...common, fields: encrypted, everywhere: true }
      : { ...common, fields: decrypt, everywhere: false, refuseOthers: true }
  return { sealed, extra }
}

/** A request body opened: what the handler's body is sealed from, and the full plaintext. */
export interface OpenedRequest {
  /** Encrypted paths opened; any other `enc:` value as the client sent it. */
  readonly base: unknown
  /** Everything `decrypt` asks for opened: `req.fieldseal.plaintext`. */
  readonly plaintext: unknown
}

/**
 * Opens a parsed request body under `modes`. Throws a coded `FieldsealError` (with the path)
 * for a value that does not open.
 */
export function openRequest(
  config: FieldsealConfig,
  body: unknown,
  modes: RequestModes,
  binder: Binder | undefined,
): OpenedRequest {
  const base =
    modes.sealed === undefined ? body : decryptDocument(config, body, { ...modes.sealed, binder })
  const plaintext =
    modes.extra === undefined ? base : decryptDocument(config, base, { ...modes.extra, binder })
  return { base, plaintext }
}

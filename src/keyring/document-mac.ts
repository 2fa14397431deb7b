/**
 * The document MAC of a format 2 keyring: HMAC-SHA256 over a canonical byte string of the whole
 * document (every field of every record, the master key's description, the revision), under a
 * key that only holders of the master key can obtain. Someone who can write the store but has no
 * master key (SQL access, a file edit) cannot make a rotated-out key active again, reset a
 * counter or shorten a retirement wait: the keyring refuses the document
 * (`ERR_FIELDSEAL_STORE_TAMPERED`).
 *
 * The MAC key is derived (HKDF-SHA256) from a random secret stored in the document wrapped by
 * the master key's provider, like a data key — so a master key that never leaves a KMS or HSM
 * guards it just as well, with one provider call per open. A new secret is made whenever the
 * master key changes, and when a format 1 or 2 document is rewritten as format 3.
 *
 * What a MAC cannot tell: that a genuine document is the newest. A store put back to an older
 * genuine document (a backup) verifies; a running keyring notices that its revision went back.
 *
 * @module
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { KEY_LENGTH } from '../crypto/aes-gcm.js'
import { decodeBase64UrlStrict } from '../crypto/base64.js'
import { FieldsealError, isFieldsealError } from '../errors.js'
import { isLegacyInfo, KEYRING_BINDING, type MasterKey } from './master-key.js'
import type { KeyringDocument } from './types.js'

const LEGACY_MAC_KEY_AAD = 'fieldseal-keyring/2 mac-key'
const MAC_KEY_BINDING = Object.freeze({ ...KEYRING_BINDING, purpose: 'document-mac' })
// The derivation is the same in formats 2 and 3; only how the secret is wrapped differs.
const MAC_KEY_INFO = 'fieldseal-keyring/2 document mac'

/**
 * `ERR_FIELDSEAL_STORE_TAMPERED` with a message an operator can act on.
 *
 * @example
 * ```ts
 * throw tampered('its MAC does not match')
 * ```
 */
export function tampered(why: string): FieldsealError {
  return new FieldsealError(
    'ERR_FIELDSEAL_STORE_TAMPERED',
    `the keyring document was changed by something that does not hold the master key (${why}); ` +
      'it is refused: restore the key store from a backup or find who wrote it',
  )
}

/**
 * The bytes the MAC covers: every field of `doc` but the MAC itself, in a fixed order.
 *
 * @example
 * ```ts
 * const bytes = canonicalDocument(doc)
 * ```
 */
export function canonicalDocument(doc: KeyringDocument): Buffer {
  const { master } = doc
  const fields = [
    doc.format,
    doc.formatVersion,
    doc.revision,
    isLegacyInfo(master)
      ? [master.source, master.salt, master.iterations, master.check]
      : [Object.entries(master.provider).sort(([a], [b]) => (a < b ? -1 : 1)), master.check],
    doc.maxRefreshIntervalMs ?? null,
    doc.macKey ?? null,
    doc.keys.map((r) => [
      r.id,
      r.type,
      r.version,
      r.status,
      r.algorithm,
      r.createdAt,
      r.expiresAt,
      r.rotatedAt,
      r.rotatedBy,
      r.activeUntil ?? null,
      r.wrapped,
      r.encryptions,
    ]),
  ]
  return Buffer.from(`fieldseal-keyring/2 document ${JSON.stringify(fields)}`, 'utf8')
}

/**
 * The MAC key of one keyring under one master key.
 *
 * @example
 * ```ts
 * const mac = await DocumentMac.create(master) // a new keyring, or a new master key
 * const signed = { ...doc, macKey: mac.wrapped, mac: mac.sign({ ...doc, macKey: mac.wrapped }) }
 * ;(await DocumentMac.open(master, signed.macKey, 3)).verify(signed) // or ERR_FIELDSEAL_STORE_TAMPERED
 * ```
 */
export class DocumentMac {
  /** The secret, wrapped under the master key, as the document stores it. */
  readonly wrapped: string
  readonly #key: Buffer

  private constructor(wrapped: string, secret: Buffer) {
    this.wrapped = wrapped
    this.#key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), MAC_KEY_INFO, KEY_LENGTH))
    secret.fill(0)
  }

  /** A new random secret, wrapped by `master` (one provider call). */
  static async create(master: MasterKey): Promise<DocumentMac> {
    const secret = randomBytes(KEY_LENGTH)
    return new DocumentMac(await master.wrap(MAC_KEY_BINDING, secret), secret)
  }

  /**
   * The MAC key of a stored document of `formatVersion` (one provider call for format 3); a
   * secret that does not open is tampering.
   */
  static async open(
    master: MasterKey,
    wrapped: string,
    formatVersion: 2 | 3,
  ): Promise<DocumentMac> {
    try {
      const secret =
        formatVersion === 3
          ? await master.unwrap(MAC_KEY_BINDING, wrapped, 'mac-key')
          : master.legacyUnwrap(LEGACY_MAC_KEY_AAD, wrapped, 'mac-key')
      return new DocumentMac(wrapped, secret)
    } catch (error) {
      if (isFieldsealError(error, 'ERR_FIELDSEAL_STORE_CORRUPT')) {
        throw tampered('its MAC key does not open under the master key')
      }
      throw error
    }
  }

  /** The MAC of `doc` (whose `macKey` must be this key's), base64url. */
  sign(doc: KeyringDocument): string {
    return createHmac('sha256', this.#key).update(canonicalDocument(doc)).digest('base64url')
  }

  /** Throws `ERR_FIELDSEAL_STORE_TAMPERED` unless `doc` carries this key and its valid MAC. */
  verify(doc: KeyringDocument): void {
    const given = doc.mac === undefined ? undefined : decodeBase64UrlStrict(doc.mac)
    const expected = Buffer.from(this.sign(doc), 'base64url')
    if (
      doc.macKey !== this.wrapped ||
      given === undefined ||
      given.length !== expected.length ||
      !timingSafeEqual(given, expected)
    ) {
      throw tampered('its MAC does not match its content')
    }
  }

  toJSON(): string {
    return '[DocumentMac]'
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[DocumentMac]'
  }
}

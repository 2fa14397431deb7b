/**
 * The keyring's master key: the key-encryption key behind a {@link MasterKeyProvider} (a local key
 * from `FIELDSEAL_MASTER_KEY` or a passphrase, an HSM through PKCS#11, AWS KMS, Vault Transit…).
 * Every wrap and unwrap of a keyring goes through it; it is called only when a keyring is opened,
 * refreshed after a change, or changed — never while a field is sealed or opened.
 *
 * The keyring document stores the provider's identity (which key, never a secret) and a check
 * value wrapped by it. Opening refuses a configured provider whose identity differs from the
 * stored one, then a key that does not open the check (`ERR_FIELDSEAL_WRONG_MASTER_KEY`
 * either way), so a wrong key is told apart from a damaged record, which opens nothing although
 * the check does (`ERR_FIELDSEAL_STORE_CORRUPT`). The provider is always the one configured by
 * the application: the stored identity is compared, never used to reach a key, so whoever can
 * write the store cannot point the keyring at a key of theirs.
 *
 * Keyrings of formats 1 and 2 were sealed by a local key with associated data of their own; such
 * a key opens them here too (`legacyUnwrap`), and their next save rewrites them under the seam.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { KEY_LENGTH } from '../crypto/aes-gcm.js'
import { decodeBase64UrlStrict } from '../crypto/base64.js'
import { keyFingerprint } from '../crypto/static-keys.js'
import { FieldsealError } from '../errors.js'
import {
  createLocalKeyProvider,
  createPassphraseProvider,
  LocalKeyProvider,
} from '../master-key/local-key.js'
import {
  sealProviderCheck,
  unwrapVerified,
  verifyProviderCheck,
} from '../master-key/provider-check.js'
import { createProviderFromSpec } from '../master-key/spec.js'
import type { KeyBinding, MasterKeyProvider, ProviderIdentity } from '../master-key/types.js'
import { checkMasterKeyInput, MASTER_KEY_ENV_VAR, type MasterKeyInput } from './master-key-input.js'
import type { MasterKeyInfo, ProviderMasterKeyInfo } from './types.js'

export type { MasterKeyInput } from './master-key-input.js'

/** What every wrap of a format 3 keyring is bound to, besides its own fields. */
export const KEYRING_BINDING: KeyBinding = Object.freeze({ format: 'fieldseal-keyring/3' })

const LEGACY_CHECK_PLAINTEXT = 'fieldseal keyring master key check v1'
const LEGACY_CHECK_AAD = 'fieldseal-keyring:check'

function wrongMaster(why: string): FieldsealError {
  return new FieldsealError('ERR_FIELDSEAL_WRONG_MASTER_KEY', `wrong master key: ${why}`)
}

// A stored identity is checked to be printable text; this keeps a message short whatever it holds.
const MAX_SHOWN = 200

/**
 * A provider identity as text for messages (identities hold no secret; the salt is noise).
 *
 * @example
 * ```ts
 * describeIdentity({ kind: 'aws-kms', keyId: 'alias/fieldseal' }) // 'aws-kms (keyId=alias/fieldseal)'
 * ```
 */
export function describeIdentity(identity: ProviderIdentity): string {
  const { kind, salt: _salt, ...rest } = identity
  const shown = (value: unknown) => String(value).slice(0, MAX_SHOWN)
  const fields = Object.entries(rest).map(([name, value]) => `${name}=${shown(value)}`)
  return fields.length === 0 ? kind : `${kind} (${fields.join(', ')})`
}

function canonicalIdentity(identity: ProviderIdentity): string {
  return JSON.stringify(Object.entries(identity).sort(([a], [b]) => (a < b ? -1 : 1)))
}

/**
 * True when two identities name the same key.
 *
 * @example
 * ```ts
 * sameIdentity({ kind: 'env' }, { kind: 'env' }) // true
 * ```
 */
export function sameIdentity(a: ProviderIdentity, b: ProviderIdentity): boolean {
  return canonicalIdentity(a) === canonicalIdentity(b)
}

/** True for the master key description of format 1 and 2 keyrings. */
export function isLegacyInfo(
  info: MasterKeyInfo,
): info is Exclude<MasterKeyInfo, ProviderMasterKeyInfo> {
  return !('provider' in info)
}

/**
 * A keyring's master key in use: its provider, and what the keyring stores about it.
 * Created only by {@link createMasterKey} and {@link openMasterKey}.
 */
export class MasterKey {
  /** Short fingerprint (not secret): of the key for a local one, else of the provider identity. */
  readonly id: string
  /** What a format 3 keyring stores about this master key. */
  readonly info: ProviderMasterKeyInfo
  readonly provider: MasterKeyProvider
  /** The stored description this key was opened against (a format 1 or 2 one, until saved). */
  readonly openedFrom: MasterKeyInfo
  /** Created here (from a key, a passphrase or a spec), so closed here. */
  readonly owned: boolean

  private constructor(
    provider: MasterKeyProvider,
    info: ProviderMasterKeyInfo,
    from: MasterKeyInfo,
    owned: boolean,
  ) {
    this.provider = provider
    this.info = Object.freeze({ provider: Object.freeze({ ...info.provider }), check: info.check })
    this.openedFrom = from
    this.owned = owned
    this.id =
      provider instanceof LocalKeyProvider
        ? provider.fingerprint
        : keyFingerprint(createHash('sha256').update(canonicalIdentity(provider.identity)).digest())
  }

  /** @internal */
  static async seal(
    provider: MasterKeyProvider,
    owned: boolean,
    from?: MasterKeyInfo,
  ): Promise<MasterKey> {
    const check = Buffer.from(await sealProviderCheck(provider, KEYRING_BINDING)).toString(
      'base64url',
    )
    const info = { provider: provider.identity, check }
    return new MasterKey(provider, info, from ?? info, owned)
  }

  /** @internal */
  static opened(
    provider: MasterKeyProvider,
    info: ProviderMasterKeyInfo,
    owned: boolean,
  ): MasterKey {
    return new MasterKey(provider, info, info, owned)
  }

  /** True when `info` is the stored description this key stands for (no provider call needed). */
  stands(info: MasterKeyInfo): boolean {
    return info.check === this.openedFrom.check || info.check === this.info.check
  }

  /** Wraps key material bound to `binding`: base64url, as the document stores it. */
  async wrap(binding: KeyBinding, material: Uint8Array): Promise<string> {
    return Buffer.from(await this.provider.wrap(material, binding)).toString('base64url')
  }

  /**
   * Opens what {@link MasterKey.wrap} made for `binding`. The check has opened, so what does not
   * open is a damaged or moved record: `ERR_FIELDSEAL_STORE_CORRUPT` naming `keyId`.
   */
  async unwrap(binding: KeyBinding, wrapped: string, keyId: string): Promise<Buffer> {
    const sealed = decodeBase64UrlStrict(wrapped)
    if (sealed === undefined) throw damaged(keyId)
    return Buffer.from(await unwrapVerified(this.provider, sealed, binding, keyId))
  }

  /** Opens what a format 1 or 2 keyring wrapped with `aad`, or `ERR_FIELDSEAL_STORE_CORRUPT`. */
  legacyUnwrap(aad: Uint8Array | string, wrapped: string, keyId: string): Buffer {
    const sealed = decodeBase64UrlStrict(wrapped)
    const material =
      sealed !== undefined && this.provider instanceof LocalKeyProvider
        ? this.provider.legacyUnwrap(aad, sealed)
        : undefined
    if (material === undefined) throw damaged(keyId)
    return material
  }

  /** Releases the provider if this key created it. */
  async close(): Promise<void> {
    if (this.owned) await this.provider.close()
  }

  toJSON(): string {
    return `[MasterKey ${this.provider.identity.kind} ${this.id}]`
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON()
  }
}

function damaged(keyId: string): FieldsealError {
  return new FieldsealError(
    'ERR_FIELDSEAL_STORE_CORRUPT',
    `the wrapped material of key "${keyId}" does not open under the master key`,
    { kid: keyId },
  )
}

/**
 * Key material of 32 bytes, or `ERR_FIELDSEAL_STORE_CORRUPT` naming `keyId` (zeroing what came).
 *
 * @example
 * ```ts
 * const material = keyLength(await master.unwrap(binding, record.wrapped, record.id), record.id)
 * ```
 */
export function keyLength(material: Buffer, keyId: string): Buffer {
  if (material.length === KEY_LENGTH) return material
  material.fill(0)
  throw damaged(keyId)
}

/** The provider of `input`; `stored` (an existing keyring's identity) gives a passphrase its salt. */
async function providerOf(
  input: MasterKeyInput,
  stored: ProviderIdentity | undefined,
  env: NodeJS.ProcessEnv | undefined,
): Promise<{ provider: MasterKeyProvider; owned: boolean }> {
  const checked = checkMasterKeyInput(input)
  if ('provider' in checked) return { provider: checked.provider, owned: false }
  if ('spec' in checked)
    return { provider: await createProviderFromSpec(checked.spec, env), owned: true }
  if ('key' in checked)
    return { provider: createLocalKeyProvider({ key: checked.key }), owned: true }
  const passphrase = checked.passphrase
  if (stored?.kind === 'passphrase') {
    const { salt, iterations } = stored
    if (typeof salt !== 'string' || typeof iterations !== 'number') {
      throw new FieldsealError(
        'ERR_FIELDSEAL_STORE_CORRUPT',
        'keyring document: master salt or iterations are invalid',
      )
    }
    return {
      provider: await createPassphraseProvider({ passphrase, salt, iterations }),
      owned: true,
    }
  }
  const iterations = checked.iterations
  const fresh = await createPassphraseProvider({
    passphrase,
    ...(iterations === undefined ? {} : { iterations }),
  })
  return { provider: fresh, owned: true }
}

/**
 * A master key for a new keyring (or the target of a rewrap): the provider's check sealed, a
 * fresh salt for a passphrase.
 *
 * @example
 * ```ts
 * const master = await createMasterKey({ passphrase: 'correct horse battery staple' })
 * ```
 */
export async function createMasterKey(
  input: MasterKeyInput,
  env?: NodeJS.ProcessEnv,
): Promise<MasterKey> {
  const { provider, owned } = await providerOf(input, undefined, env)
  try {
    return await MasterKey.seal(provider, owned)
  } catch (error) {
    if (owned) await provider.close().catch(() => undefined)
    throw error
  }
}

async function openLegacy(
  input: MasterKeyInput,
  info: Exclude<MasterKeyInfo, ProviderMasterKeyInfo>,
) {
  const checked = checkMasterKeyInput(input)
  // A local key given as a provider object opens a keyring it sealed before providers too.
  const given = 'provider' in checked ? checked.provider : undefined
  if (given instanceof LocalKeyProvider && given.identity.kind === info.source) {
    return openLegacyWith(given, info, false)
  }
  if (info.source === 'env' && !('key' in checked)) {
    throw wrongMaster(
      `the keyring is sealed with a raw master key (${MASTER_KEY_ENV_VAR}); open it with that key (then rewrap it, if it should move)`,
    )
  }
  if (info.source === 'passphrase' && !('passphrase' in checked)) {
    throw wrongMaster(
      'the keyring is sealed with a passphrase; open it with that passphrase (then rewrap it, if it should move)',
    )
  }
  const stored: ProviderIdentity =
    info.source === 'env'
      ? { kind: 'env' }
      : { kind: 'passphrase', salt: info.salt, iterations: info.iterations }
  const { provider } = await providerOf(input, stored, undefined)
  return openLegacyWith(provider as LocalKeyProvider, info, true)
}

async function openLegacyWith(
  local: LocalKeyProvider,
  info: Exclude<MasterKeyInfo, ProviderMasterKeyInfo>,
  owned: boolean,
): Promise<MasterKey> {
  const check = decodeBase64UrlStrict(info.check)
  const opened = check === undefined ? undefined : local.legacyUnwrap(LEGACY_CHECK_AAD, check)
  if (opened?.toString('utf8') !== LEGACY_CHECK_PLAINTEXT) {
    if (owned) await local.close()
    throw wrongMaster("it does not open the keyring's check value")
  }
  // Sealed under the seam now, stored so at the keyring's next save.
  return MasterKey.seal(local, owned, info)
}

/**
 * The master key of an existing keyring, described by `info`: the configured provider must have
 * the stored identity and open the stored check, else `ERR_FIELDSEAL_WRONG_MASTER_KEY` naming
 * both providers. `current`, the key in use, is reused when it has that identity (a refresh
 * after another instance rewrapped calls no factory).
 *
 * @example
 * ```ts
 * const master = await openMasterKey({ key: process.env.FIELDSEAL_MASTER_KEY! }, doc.master)
 * ```
 */
export async function openMasterKey(
  input: MasterKeyInput,
  info: MasterKeyInfo,
  current?: MasterKey,
  env?: NodeJS.ProcessEnv,
): Promise<MasterKey> {
  if (isLegacyInfo(info)) return openLegacy(input, info)
  const reuse = current !== undefined && sameIdentity(current.provider.identity, info.provider)
  const { provider, owned } = reuse
    ? { provider: current.provider, owned: false }
    : await providerOf(input, info.provider, env)
  try {
    if (!sameIdentity(provider.identity, info.provider)) {
      throw wrongMaster(
        `the keyring is sealed by ${describeIdentity(info.provider)}, but ${describeIdentity(provider.identity)} ` +
          'is configured; configure that provider (or rewrap the keyring from it: fieldseal keys rewrap --to …)',
      )
    }
    const check = decodeBase64UrlStrict(info.check)
    if (check === undefined)
      throw new FieldsealError(
        'ERR_FIELDSEAL_STORE_CORRUPT',
        'keyring document: master.check is not base64url',
      )
    await verifyProviderCheck(provider, check, KEYRING_BINDING)
    return MasterKey.opened(provider, info, owned)
  } catch (error) {
    if (owned) await provider.close().catch(() => undefined)
    throw error
  }
}

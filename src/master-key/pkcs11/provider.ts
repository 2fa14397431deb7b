/**
 * Master key in an HSM (or any PKCS#11 token: cloud HSMs, YubiHSM, SoftHSM): the AES-256 key stays
 * in the token, non-extractable; data keys are wrapped by the token with AES-GCM (or AES key wrap
 * with padding where the token has no AES-GCM), bound to their key record.
 *
 * Configured by an RFC 7512 `pkcs11:` URI. The module path comes from the options, the URI's
 * `module-path` or `FIELDSEAL_PKCS11_MODULE`; the PIN from the options, the URI's `pin-source`
 * file, `FIELDSEAL_PKCS11_PIN_FILE` or `FIELDSEAL_PKCS11_PIN` — never from the URI itself.
 *
 * One session is opened when the provider is created, logged in, and reused by every call, one
 * call at a time; `close()` closes it and finalises the module when no other provider uses it.
 *
 * @module
 */
import { checkBytes, MAX_MATERIAL_LENGTH, MAX_WRAPPED_LENGTH } from '../binding.js'
import { closedProvider, providerError } from '../provider-error.js'
import { pkcs11Error } from './errors.js'
import { acquireLibrary, type Pkcs11Js, type Pkcs11Library } from './library.js'
import { findWrappingKey, generateWrappingKey, type Pkcs11Mechanism } from './key.js'
import { resolvePkcs11Options, type Pkcs11Options, type ResolvedPkcs11Options } from './options.js'
import { findSlot, login } from './token.js'
import { formatPkcs11Uri } from './uri.js'
import { unwrapMaterial, wrapMaterial, type WrapContext } from './wrap.js'
import { SerialQueue } from './serial-queue.js'
import type { KeyBinding, MasterKeyProvider, ProviderIdentity } from '../types.js'

export type { Pkcs11Options } from './options.js'

const PROVIDER = 'pkcs11'

/**
 * Opens a logged-in session on the URI's token and runs `use`, which owns the session and the
 * library handle from then on; if anything throws, both are closed here.
 */
async function withSession<T>(
  resolved: ResolvedPkcs11Options,
  readWrite: boolean,
  use: (library: Pkcs11Library, slot: Buffer, session: Buffer) => Promise<T> | T,
): Promise<T> {
  const library = await acquireLibrary(resolved.modulePath)
  const { js, pkcs11 } = library
  let session: Buffer | undefined
  try {
    const slot = findSlot(pkcs11, resolved.uri)
    const flags = js.CKF_SERIAL_SESSION | (readWrite ? js.CKF_RW_SESSION : 0)
    try {
      session = pkcs11.C_OpenSession(slot, flags)
    } catch (error) {
      throw pkcs11Error('C_OpenSession', error)
    }
    login(library, slot, session, resolved.pin)
    return await use(library, slot, session)
  } catch (error) {
    if (session !== undefined) closeQuietly(library, session)
    library.release()
    throw error
  }
}

function closeQuietly(library: Pkcs11Library, session: Buffer): void {
  try {
    library.pkcs11.C_CloseSession(session)
  } catch {
    // The session may already be gone with the token; nothing else to release.
  }
}

function chooseMechanism(
  js: Pkcs11Js,
  library: Pkcs11Library,
  slot: Buffer,
  forced: Pkcs11Mechanism | undefined,
): Pkcs11Mechanism {
  const offers = (mechanism: number, flags: number) => {
    try {
      return (library.pkcs11.C_GetMechanismInfo(slot, mechanism).flags & flags) === flags
    } catch {
      return false
    }
  }
  const gcm = offers(js.CKM_AES_GCM, js.CKF_ENCRYPT | js.CKF_DECRYPT)
  const kwp = offers(js.CKM_AES_KEY_WRAP_PAD, js.CKF_WRAP | js.CKF_UNWRAP)
  const chosen = forced ?? (gcm ? 'aes-gcm' : 'aes-kwp')
  if (chosen === 'aes-gcm' ? gcm : kwp) return chosen
  throw providerError(
    PROVIDER,
    'misconfigured',
    `the token offers neither ${forced ?? 'AES-GCM nor AES key wrap with padding'} for this use`,
  )
}

/**
 * A {@link MasterKeyProvider} whose key is an AES-256 key in a PKCS#11 token.
 *
 * @example
 * ```ts
 * // FIELDSEAL_PKCS11_PIN_FILE=/run/secrets/hsm-pin
 * const provider = await createPkcs11Provider({
 *   uri: 'pkcs11:token=fieldseal;object=master?module-path=/usr/lib/softhsm/libsofthsm2.so',
 * })
 * ```
 */
export async function createPkcs11Provider(
  options: Readonly<Pkcs11Options>,
): Promise<MasterKeyProvider> {
  const resolved = await resolvePkcs11Options(options)
  return withSession(resolved, false, (library, slot, session) => {
    const mechanism = chooseMechanism(library.js, library, slot, resolved.mechanism)
    const key = findWrappingKey(library.js, library.pkcs11, session, resolved.uri, mechanism)
    return new Pkcs11Provider(
      library,
      { js: library.js, pkcs11: library.pkcs11, session, key },
      mechanism,
      formatPkcs11Uri(resolved.uri),
    )
  })
}

/**
 * Generates the master key in the token, as the URI names it (`object=` label, `id=`): AES-256,
 * sensitive, never extractable. Refuses if such a key exists. For `fieldseal keys init`.
 *
 * @example
 * ```ts
 * await generatePkcs11Key({
 *   uri: 'pkcs11:token=fieldseal;object=master;id=%01',
 *   modulePath: '/usr/lib/softhsm/libsofthsm2.so',
 * })
 * ```
 */
export async function generatePkcs11Key(
  options: Readonly<Omit<Pkcs11Options, 'mechanism'>>,
): Promise<void> {
  const resolved = await resolvePkcs11Options(options)
  await withSession(resolved, true, async (library, _slot, session) => {
    await generateWrappingKey(library.js, library.pkcs11, session, resolved.uri)
    closeQuietly(library, session)
    library.release()
  })
}

class Pkcs11Provider implements MasterKeyProvider {
  readonly identity: ProviderIdentity
  readonly #queue = new SerialQueue()
  #closed = false

  constructor(
    private readonly library: Pkcs11Library,
    private readonly context: WrapContext,
    private readonly mechanism: Pkcs11Mechanism,
    uri: string,
  ) {
    this.identity = Object.freeze({ kind: PROVIDER, uri })
  }

  async wrap(material: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    const bytes = checkBytes(material, 'material', MAX_MATERIAL_LENGTH)
    return this.#run(
      async () => new Uint8Array(await wrapMaterial(this.context, this.mechanism, bytes, binding)),
    )
  }

  async unwrap(wrapped: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    const bytes = checkBytes(wrapped, 'wrapped', MAX_WRAPPED_LENGTH)
    return this.#run(async () => new Uint8Array(await unwrapMaterial(this.context, bytes, binding)))
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.#closed = true
    return this.#queue.run(() => {
      closeQuietly(this.library, this.context.session)
      this.library.release()
    })
  }

  async #run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#closed) throw closedProvider(PROVIDER)
    return this.#queue.run(task)
  }
}

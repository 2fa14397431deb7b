/**
 * A PKCS#11 module (the vendor's `.so`) loaded once per process and path, shared by every
 * provider that uses it, and finalised when the last one closes.
 *
 * Sharing is not an optimisation: `C_Initialize` and `C_Finalize` act on the whole process
 * (PKCS#11 v2.40 §5.4), so a second provider initialising the same module would get
 * `CKR_CRYPTOKI_ALREADY_INITIALIZED`, and the first to finalise would pull the module from under
 * the others. The module is initialised with `CKF_OS_LOCKING_OK` because pkcs11js runs its async
 * calls on libuv worker threads: the library must lock its own state.
 *
 * `pkcs11js` is an optional peer dependency, imported on first use.
 *
 * @module
 */
import { importOptional } from '../optional-import.js'
import { providerError } from '../provider-error.js'
import { returnValueName } from './errors.js'

/** The pkcs11js module namespace. */
export type Pkcs11Js = typeof import('pkcs11js')
/** One loaded module's function list. */
export type Pkcs11 = InstanceType<Pkcs11Js['PKCS11']>

/** A handle on a loaded module; `release()` exactly once. */
export interface Pkcs11Library {
  readonly js: Pkcs11Js
  readonly pkcs11: Pkcs11
  /** Per slot, a keyed digest of the PIN this process logged in with (see `login`). */
  readonly logins: Map<string, Buffer>
  release(): void
}

interface Loaded {
  readonly pkcs11: Pkcs11
  /** False when someone outside fieldseal had initialised the module: we never finalise it. */
  readonly ownsInitialize: boolean
  readonly logins: Map<string, Buffer>
  users: number
}

const loaded = new Map<string, Loaded>()

/**
 * Loads and initialises the module at `modulePath`, or shares the one already loaded.
 *
 * @example
 * ```ts
 * const library = await acquireLibrary('/usr/lib/softhsm/libsofthsm2.so')
 * try { library.pkcs11.C_GetSlotList(true) } finally { library.release() }
 * ```
 */
export async function acquireLibrary(modulePath: string): Promise<Pkcs11Library> {
  const imported = await importOptional<Pkcs11Js & { default?: Pkcs11Js }>('pkcs11js', 'pkcs11')
  const js = imported.default ?? imported
  let entry = loaded.get(modulePath)
  if (entry === undefined) {
    entry = initialise(js, modulePath)
    loaded.set(modulePath, entry)
  }
  entry.users++
  const current = entry
  let released = false
  return {
    js,
    pkcs11: current.pkcs11,
    logins: current.logins,
    release() {
      if (released) return
      released = true
      if (--current.users > 0) return
      loaded.delete(modulePath)
      try {
        if (current.ownsInitialize) current.pkcs11.C_Finalize()
        current.pkcs11.close()
      } catch {
        // Finalising is best effort: the provider is closing either way.
      }
    },
  }
}

function initialise(js: Pkcs11Js, modulePath: string): Loaded {
  const pkcs11 = new js.PKCS11()
  try {
    pkcs11.load(modulePath)
  } catch (error) {
    throw providerError(
      'pkcs11',
      'misconfigured',
      `the module "${modulePath}" cannot be loaded`,
      returnValueName(error),
    )
  }
  try {
    pkcs11.C_Initialize({ flags: js.CKF_OS_LOCKING_OK })
    return { pkcs11, ownsInitialize: true, logins: new Map(), users: 0 }
  } catch (error) {
    const name = returnValueName(error)
    if (name === 'CKR_CRYPTOKI_ALREADY_INITIALIZED')
      return { pkcs11, ownsInitialize: false, logins: new Map(), users: 0 }
    pkcs11.close()
    throw providerError('pkcs11', 'unavailable', `C_Initialize of "${modulePath}" failed`, name)
  }
}

/**
 * Opening a keyring for a command: the key store it names with the master key it names, as a
 * key manager (`keys …`) or as a key source (`usage`, `reencrypt`). A store that holds no
 * keyring yet is refused, except by the commands that create one: a mistyped `--store` path
 * must not look like an empty keyring.
 *
 * @module
 */
import { FieldsealError, isFieldsealError } from '../errors.js'
import { openKeyManager, openKeyring, type KeyManager, type Keyring } from '../keyring/index.js'
import type { CommandContext } from './command.js'
import { UsageError } from './exit-codes.js'
import { actorOf, openStore } from './keystore.js'
import { currentMaster, masterOptions, type MasterSecret } from './secret-file.js'

function emptyStore(label: string): FieldsealError {
  return new FieldsealError(
    'ERR_FIELDSEAL_NO_KEY',
    `the key store ${label} holds no keyring: run "fieldseal keys init" first`,
  )
}

/** The library's "no keyring here" in the words of the command line. */
function orEmptyStore(error: unknown, label: string): unknown {
  return isFieldsealError(error, 'ERR_FIELDSEAL_KEYRING_NOT_FOUND') ? emptyStore(label) : error
}

/** An open key manager and what it needs closing. */
export interface OpenedManager {
  readonly manager: KeyManager
  readonly label: string
  readonly master: MasterSecret
  close(): Promise<void>
}

/** Options of {@link openManager}. */
export interface OpenManagerOptions {
  /** Accept an empty store (`keys init`, `keys import`); otherwise it is `ERR_FIELDSEAL_NO_KEY`. */
  readonly allowEmpty?: boolean
  /** PBKDF2 iterations for a new passphrase keyring. */
  readonly pbkdf2Iterations?: number | undefined
}

/**
 * Opens the key manager of the command's key store with its master key.
 *
 * @example
 * ```ts
 * const opened = await openManager(context)
 * try {
 *   opened.manager.listKeys()
 * } finally {
 *   await opened.close()
 * }
 * ```
 */
export async function openManager(
  context: CommandContext,
  options: OpenManagerOptions = {},
): Promise<OpenedManager> {
  const master = await currentMaster(context)
  if (options.pbkdf2Iterations !== undefined && master.kind !== 'passphrase') {
    throw new UsageError(
      '--pbkdf2-iterations applies to a passphrase master key only',
      context.command,
    )
  }
  const opened = await openStore(context)
  try {
    const manager = await openKeyManager({
      store: opened.store,
      env: context.io.env,
      actor: actorOf(context),
      // Only the commands that may start a keyring create one; the others refuse an empty store.
      create: options.allowEmpty === true,
      ...masterOptions(master),
      ...(options.pbkdf2Iterations === undefined
        ? {}
        : { pbkdf2Iterations: options.pbkdf2Iterations }),
    })
    return {
      manager,
      label: opened.label,
      master,
      close: async () => {
        try {
          await manager.close()
        } finally {
          await opened.close()
        }
      },
    }
  } catch (error) {
    await opened.close().catch(() => undefined)
    throw orEmptyStore(error, opened.label)
  }
}

/**
 * Runs `body` with an open key manager and closes it afterwards (saving pending counts and
 * releasing the store), whether `body` succeeds or not.
 *
 * @example
 * ```ts
 * const keys = await withManager(context, {}, async ({ manager }) => manager.listKeys())
 * ```
 */
export async function withManager<T>(
  context: CommandContext,
  options: OpenManagerOptions,
  body: (opened: OpenedManager) => Promise<T>,
): Promise<T> {
  const opened = await openManager(context, options)
  let result: T
  try {
    result = await body(opened)
  } catch (error) {
    await opened.close().catch(() => undefined)
    throw error
  }
  await opened.close()
  return result
}

/**
 * Opens the command's key store as a keyring (a key source for field operations): no refresh
 * timer, no key created.
 *
 * @example
 * ```ts
 * const { keyring, close } = await openStoreKeyring(context)
 * ```
 */
export async function openStoreKeyring(
  context: CommandContext,
): Promise<{ keyring: Keyring; label: string; close(): Promise<void> }> {
  const master = await currentMaster(context)
  const opened = await openStore(context)
  try {
    const keyring = await openKeyring({
      store: opened.store,
      env: context.io.env,
      actor: actorOf(context),
      init: false,
      refreshIntervalMs: 0,
      // An expired or overused active key still works; say so, since new values go under it.
      onEvent: (event) => {
        if (event.outcome !== 'warning') return
        const what =
          event.operation === 'key.expired' ? 'has expired' : 'is near its encryption limit'
        context.out.note(`warning: the active data key ${event.kid} ${what}: fieldseal keys rotate`)
      },
      ...masterOptions(master),
    })
    const close = async () => {
      try {
        await keyring.close()
      } finally {
        await opened.close()
      }
    }
    return { keyring, label: opened.label, close }
  } catch (error) {
    await opened.close().catch(() => undefined)
    throw orEmptyStore(error, opened.label)
  }
}

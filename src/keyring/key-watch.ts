/**
 * Watching the active data key of a running keyring: an expired key keeps working and is
 * reported (`key.expired`), a key past the usage threshold is reported (`key.usage-warning`),
 * each once per process; with `autoRotate` either one also triggers a rotation, made only if the
 * key is still the active one (another instance may have rotated it first) and at most once at a
 * time per key; a failed rotation may be asked for again.
 *
 * @module
 */
import type { EventHook } from '../core/events.js'
import { isExpired } from './key-info.js'
import type { KeyManager } from './key-manager.js'
import type { KeyRecord } from './types.js'

/** What the watch needs from the keyring's configuration. */
export interface KeyWatchConfig {
  readonly usageWarningThreshold: number
  readonly autoRotate: boolean
  readonly onEvent: EventHook | undefined
  readonly now: () => Date
}

/**
 * Reports (once each) an overused or expired active key, and asks for its rotation when
 * `autoRotate` is on.
 *
 * @example
 * ```ts
 * const watch = new KeyWatch(config, (kid) => rotateIfStillActive(kid))
 * watch.check(activeRecord, unsavedCount)
 * ```
 */
export class KeyWatch {
  readonly #config: KeyWatchConfig
  readonly #rotate: (kid: string) => void
  readonly #reported = new Set<string>()

  constructor(config: KeyWatchConfig, rotate: (kid: string) => void) {
    this.#config = config
    this.#rotate = rotate
  }

  /** After an encryption: `total` is the key's stored plus unsaved count. */
  counted(kid: string, total: number, version: number | undefined): void {
    if (total < this.#config.usageWarningThreshold || this.#reported.has(`usage:${kid}`)) return
    this.#reported.add(`usage:${kid}`)
    this.#config.onEvent?.({
      operation: 'key.usage-warning',
      outcome: 'warning',
      kid,
      keyType: 'data',
      count: total,
      ...(version === undefined ? {} : { version }),
    })
    if (this.#config.autoRotate) this.#rotate(kid)
  }

  /** After a (re)load: checks the active key's count and expiry. */
  check(record: KeyRecord | undefined, unsaved: number): void {
    if (record === undefined) return
    this.counted(record.id, record.encryptions + unsaved, record.version)
    if (!isExpired(record, this.#config.now()) || this.#reported.has(`expired:${record.id}`)) return
    this.#reported.add(`expired:${record.id}`)
    this.#config.onEvent?.({
      operation: 'key.expired',
      outcome: 'warning',
      kid: record.id,
      keyType: 'data',
      version: record.version,
    })
    if (this.#config.autoRotate) this.#rotate(record.id)
  }
}

const AUTO_ROTATE_ACTOR = 'fieldseal:auto-rotate'

/**
 * Rotates data keys on request, skipping a key whose rotation is already under way.
 *
 * @example
 * ```ts
 * const rotator = new AutoRotator(manager, (error) => log.warn({ error }, 'auto-rotation failed'))
 * const watch = new KeyWatch(config, (kid) => rotator.rotate(kid))
 * ```
 */
export class AutoRotator {
  readonly #manager: Pick<KeyManager, 'rotateKey'>
  readonly #onError: (error: unknown) => void
  readonly #rotating = new Set<string>()

  constructor(manager: Pick<KeyManager, 'rotateKey'>, onError: (error: unknown) => void) {
    this.#manager = manager
    this.#onError = onError
  }

  /** Rotates the data key `kid` if it is still active; errors go to `onError`. */
  rotate(kid: string): void {
    if (this.#rotating.has(kid)) return
    this.#rotating.add(kid)
    this.#manager
      .rotateKey('data', { rotatedBy: AUTO_ROTATE_ACTOR, ifActive: kid })
      .catch((error: unknown) => {
        this.#rotating.delete(kid)
        this.#onError(error)
      })
  }
}

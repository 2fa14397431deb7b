/**
 * `autoRotate`: when the key watch reports the active data key expired or overused, the
 * keyring rotates it, only if it is still the active key (another instance may have rotated
 * it first) and at most once at a time per key; a failed rotation may be asked for again.
 *
 * @module
 */
import type { KeyManager } from './key-manager.js'

const AUTO_ROTATE_ACTOR = 'fieldseal:auto-rotate'

/**
 * Rotates data keys on request, skipping a key whose rotation is already under way.
 *
 * @example
 * ```ts
 * const rotator = new AutoRotator(manager, (error) => log.warn(error))
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

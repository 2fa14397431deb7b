/**
 * Random 96-bit GCM nonces cut from a pooled CSPRNG buffer.
 *
 * One `randomFillSync` per 1024 nonces instead of one `randomBytes(12)` per encryption: the call
 * overhead, not the randomness, dominates short-field encryption. Every nonce is a fresh slice
 * that is never handed out twice. NIST SP 800-38D §8.2.2 allows random 96-bit nonces.
 *
 * The pool is module state, and module state can be copied: an application built into a V8
 * startup snapshot (`node --build-snapshot`) after encrypting once would start every process
 * with the same unused nonces. So the pool is emptied when a snapshot is written and again when
 * one is deserialised, and each process draws its own.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto'
import { startupSnapshot } from 'node:v8'

/** GCM nonce length in bytes (NIST SP 800-38D §5.2.1.1 recommends 96 bits). */
export const NONCE_LENGTH = 12

const NONCES_PER_REFILL = 1024
const POOL_SIZE = NONCE_LENGTH * NONCES_PER_REFILL

let pool = Buffer.allocUnsafe(0)
let offset = 0

function drop(): void {
  pool = Buffer.allocUnsafe(0)
  offset = 0
}

// Only a process building a snapshot may register these; `startupSnapshot` is absent on runtimes
// without snapshots (and on Node.js before 18.20), where no copy of the pool can be made anyway.
if (startupSnapshot?.isBuildingSnapshot()) {
  startupSnapshot.addSerializeCallback(drop)
  startupSnapshot.addDeserializeCallback(drop)
}

/** Returns 12 fresh random bytes. The caller may keep the returned view. */
export function nextNonce(): Buffer {
  if (offset + NONCE_LENGTH > pool.length) {
    // A new buffer each refill: earlier nonces stay valid views of the old one.
    pool = randomFillSync(Buffer.allocUnsafe(POOL_SIZE))
    offset = 0
  }
  const nonce = pool.subarray(offset, offset + NONCE_LENGTH)
  offset += NONCE_LENGTH
  return nonce
}

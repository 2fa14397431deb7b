/**
 * Watching a keyring file for saves by other processes, so running keyrings reload at once. The
 * folder is watched, not the file: every save renames a new file over the keyring (atomic
 * replace), which a watch on the old file would not survive. Events for other names (temp files,
 * the lock) are ignored; a burst of events makes one notice. If the watch fails (the folder is
 * removed, the platform refuses), it is reported and tried again every few seconds; the
 * keyring's timer keeps reloading meanwhile.
 *
 * @module
 */
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'
import type { StoreWatch, StoreWatcher } from '../types.js'

// Several events make up one save (the temp file, the rename, the folder); one notice is enough.
const DEBOUNCE_MS = 15
const RETRY_MS = 5_000

/**
 * Watches the keyring file at `path` for `watcher`.
 *
 * @example
 * ```ts
 * const running = watchKeyringFile('/var/lib/app/keyring.json', { onChange: reload, onError: warn })
 * await running.close()
 * ```
 */
export function watchKeyringFile(path: string, watcher: StoreWatcher): StoreWatch {
  const folder = dirname(path)
  const name = basename(path)
  let current: FSWatcher | undefined
  let debounce: NodeJS.Timeout | undefined
  let retry: NodeJS.Timeout | undefined
  let closed = false

  const notice = () => {
    if (closed || debounce !== undefined) return
    debounce = setTimeout(() => {
      debounce = undefined
      if (!closed) watcher.onChange()
    }, DEBOUNCE_MS)
    debounce.unref()
  }

  const fail = (error: unknown) => {
    current?.close()
    current = undefined
    if (closed) return
    watcher.onError(error)
    retry ??= setTimeout(() => {
      retry = undefined
      // Saves made while nobody watched are picked up by a reload after the watch is back.
      if (start()) notice()
    }, RETRY_MS)
    retry.unref()
  }

  function start(): boolean {
    try {
      // Not persistent: the watch never keeps the process alive (nor does the keyring's timer).
      current = watch(folder, { persistent: false }, (_event, filename) => {
        if (filename === null || filename === name) notice()
      })
      current.on('error', fail)
      return true
    } catch (error) {
      fail(error)
      return false
    }
  }

  start()
  return {
    async close() {
      closed = true
      clearTimeout(debounce)
      clearTimeout(retry)
      current?.close()
      current = undefined
    },
  }
}

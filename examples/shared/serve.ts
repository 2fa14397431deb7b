/**
 * Starts a demo server and shuts it down cleanly on Ctrl-C / SIGTERM (open connections end, key
 * counters are saved, the keyring and the database are closed).
 *
 * @module
 */
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEV_ADMIN_TOKEN, type CustomersAppOptions } from './api.js'
import { printBanner } from './banner.js'
import { openDevEnvironment, type DevEnvironment } from './dev-environment.js'

/**
 * Listens on `port` (`0` for any free one) and resolves with the server's URL.
 *
 * @example
 * ```ts
 * const url = await serve(app, 3000, env) // an Express app or a Koa app.callback()
 * ```
 */
export async function serve(
  handler: RequestListener,
  port: number,
  env: DevEnvironment,
): Promise<string> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new TypeError(`PORT must be 0–65535`)
  const server = createServer(handler)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, resolve)
  })
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    server.close(() => {
      env.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('closing the demo failed:', (error as { code?: string }).code ?? error)
          process.exit(1)
        },
      )
    })
    server.closeIdleConnections()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const { port: bound } = server.address() as AddressInfo
  return `http://localhost:${bound}`
}

/**
 * Runs a demo: opens the development environment in `.data/`, builds the app, serves it on
 * `PORT` (else `defaultPort`) and prints the banner with the commands to try.
 *
 * @example
 * ```ts
 * await runDemo('Koa', 3001, (options) => createApp(options).callback())
 * ```
 */
export async function runDemo(
  framework: string,
  defaultPort: number,
  listener: (options: CustomersAppOptions) => RequestListener,
): Promise<void> {
  const env = await openDevEnvironment()
  const adminToken = process.env.DEMO_ADMIN_TOKEN || DEV_ADMIN_TOKEN
  const handler = listener({
    db: env.db,
    fieldseal: env.fieldseal,
    adminToken,
  })
  const url = await serve(handler, Number(process.env.PORT ?? defaultPort), env)
  printBanner({ framework, url, env, adminToken })
}

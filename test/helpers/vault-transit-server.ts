/**
 * A loopback stand-in for the Vault / OpenBao Transit endpoints the provider uses, faithful
 * where it matters: real AES-256-GCM with a random 96-bit nonce, Vault's
 * `vault:v<version>:base64(nonce ‖ ciphertext ‖ tag)` format, `associated_data` authenticated,
 * key versions, upsert on encrypt, `{"errors": [...]}` bodies with Vault's texts and statuses
 * (403 permission denied, 400 `cipher: message authentication failed`, 400 `encryption key not
 * found`, 404 on a missing key's description, 503 sealed). It can be told to fail the next
 * requests, and it records every request so tests can check their shape.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { closeServer, listenOnLoopback, readBody } from './loopback-server.js'

export interface TransitKeySpec {
  type?: string
  derived?: boolean
}

interface TransitKey {
  type: string
  derived: boolean
  versions: Buffer[]
}

export interface RecordedRequest {
  method: string
  path: string
  token: string | undefined
  namespace: string | undefined
  contentType: string | undefined
  body: Record<string, unknown> | undefined
}

interface Fault {
  status: number
  errors: string[]
  count: number
  retryAfter?: string
  /** Sent as the body instead of `{"errors": …}`. */
  raw?: string
  location?: string
}

export class VaultTransitServer {
  readonly requests: RecordedRequest[] = []
  /** Tokens accepted, each for one namespace ('' = root). */
  readonly tokens = new Map<string, string>()
  /** Extra latency per request, to test timeouts. */
  delayMs = 0
  /** Whether a token may create a key on encrypt (Vault's `create` capability). */
  allowUpsert = true
  readonly #keys = new Map<string, TransitKey>()
  readonly #faults: Fault[] = []
  readonly #server: Server
  #url = ''

  private constructor() {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res)
    })
  }

  static async start(): Promise<VaultTransitServer> {
    const server = new VaultTransitServer()
    server.#url = await listenOnLoopback(server.#server)
    return server
  }

  get url(): string {
    return this.#url
  }

  addKey(name: string, spec: TransitKeySpec = {}, namespace = '', mount = 'transit'): void {
    this.#keys.set(`${namespace}|${mount}|${name}`, {
      type: spec.type ?? 'aes256-gcm96',
      derived: spec.derived ?? false,
      versions: [randomBytes(32)],
    })
  }

  hasKey(name: string, namespace = '', mount = 'transit'): boolean {
    return this.#keys.has(`${namespace}|${mount}|${name}`)
  }

  rotate(name: string, namespace = '', mount = 'transit'): void {
    this.#keys.get(`${namespace}|${mount}|${name}`)?.versions.push(randomBytes(32))
  }

  /** The next `count` requests are answered with `status` and `errors`. */
  failNext(count: number, status: number, errors: string[], retryAfter?: string): void {
    this.#faults.push({
      count,
      status,
      errors,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    })
  }

  /** The next `count` requests get `status` with exactly `raw` as body (and a Location header). */
  answerNext(count: number, status: number, raw: string, location?: string): void {
    this.#faults.push({
      count,
      status,
      errors: [],
      raw,
      ...(location === undefined ? {} : { location }),
    })
  }

  close(): Promise<void> {
    return closeServer(this.#server)
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req)
    let body: Record<string, unknown> | undefined
    try {
      body = raw === '' ? undefined : (JSON.parse(raw) as Record<string, unknown>)
    } catch {
      return send(res, 400, { errors: ['failed to parse JSON input'] })
    }
    const header = (name: string) => {
      const value = req.headers[name]
      return Array.isArray(value) ? value[0] : value
    }
    const request: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      token: header('x-vault-token'),
      namespace: header('x-vault-namespace'),
      contentType: header('content-type'),
      body,
    }
    this.requests.push(request)
    // The fault is taken when the request arrives: a delayed request must not eat a fault that a
    // later test queued.
    const fault = this.#faults[0]
    if (fault !== undefined && --fault.count === 0) this.#faults.shift()
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs))
    if (fault !== undefined) {
      if (fault.retryAfter !== undefined) res.setHeader('Retry-After', fault.retryAfter)
      if (fault.location !== undefined) res.setHeader('Location', fault.location)
      if (fault.raw !== undefined) {
        res.writeHead(fault.status, { 'Content-Type': 'application/json' })
        return void res.end(fault.raw)
      }
      return send(res, fault.status, { errors: fault.errors })
    }
    const namespace = (request.namespace ?? '').replace(/\/$/, '')
    if (request.token === undefined || this.tokens.get(request.token) !== namespace) {
      return send(res, 403, { errors: ['permission denied'] })
    }
    const match = /^\/v1\/(.+)\/(encrypt|decrypt|keys)\/([^/]+)$/.exec(request.path)
    if (match === null) return send(res, 404, { errors: [] })
    const [, mount, operation, name] = match as unknown as [string, string, string, string]
    const id = `${namespace}|${mount}|${decodeURIComponent(name)}`
    if (operation === 'keys' && request.method === 'GET') return this.#describe(res, id)
    if (
      request.method !== 'POST' ||
      request.contentType !== 'application/json' ||
      body === undefined
    ) {
      return send(res, 405, { errors: ['unsupported operation'] })
    }
    if (operation === 'encrypt') return this.#encrypt(res, id, body)
    if (operation === 'decrypt') return this.#decrypt(res, id, body)
    return send(res, 405, { errors: ['unsupported operation'] })
  }

  #describe(res: ServerResponse, id: string): undefined {
    const key = this.#keys.get(id)
    if (key === undefined) return send(res, 404, { errors: [] })
    const keys = Object.fromEntries(key.versions.map((_, i) => [String(i + 1), 1_700_000_000 + i]))
    send(res, 200, {
      data: {
        type: key.type,
        derived: key.derived,
        convergent_encryption: false,
        exportable: false,
        latest_version: key.versions.length,
        min_decryption_version: 1,
        keys,
        name: id.split('|')[2],
        supports_encryption: true,
        supports_decryption: true,
      },
    })
  }

  #encrypt(res: ServerResponse, id: string, body: Record<string, unknown>): undefined {
    let key = this.#keys.get(id)
    if (key === undefined) {
      if (!this.allowUpsert) return send(res, 403, { errors: ['permission denied'] })
      key = { type: 'aes256-gcm96', derived: false, versions: [randomBytes(32)] }
      this.#keys.set(id, key)
    }
    const plaintext = base64(body.plaintext)
    const aad = body.associated_data === undefined ? Buffer.alloc(0) : base64(body.associated_data)
    if (plaintext === undefined)
      return send(res, 400, { errors: ['failed to base64-decode plaintext'] })
    if (aad === undefined)
      return send(res, 400, { errors: ['failed to base64-decode associated_data'] })
    if (key.derived && body.context === undefined) {
      return send(res, 400, {
        errors: [
          "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key",
        ],
      })
    }
    const version = key.versions.length
    const nonce = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key.versions[version - 1] as Buffer, nonce)
    if (key.type.includes('gcm')) cipher.setAAD(aad)
    const sealed = Buffer.concat([
      nonce,
      cipher.update(plaintext),
      cipher.final(),
      cipher.getAuthTag(),
    ])
    send(res, 200, {
      data: { ciphertext: `vault:v${version}:${sealed.toString('base64')}`, key_version: version },
    })
  }

  #decrypt(res: ServerResponse, id: string, body: Record<string, unknown>): undefined {
    const key = this.#keys.get(id)
    if (key === undefined) return send(res, 400, { errors: ['encryption key not found'] })
    const ciphertext = typeof body.ciphertext === 'string' ? body.ciphertext : ''
    const parts = /^vault:v(\d+):(.*)$/s.exec(ciphertext)
    if (parts === null) return send(res, 400, { errors: ['invalid ciphertext: no prefix'] })
    const keyBytes = key.versions[Number(parts[1]) - 1]
    if (keyBytes === undefined) return send(res, 400, { errors: ['invalid key version'] })
    const sealed = base64(parts[2])
    const aad = body.associated_data === undefined ? Buffer.alloc(0) : base64(body.associated_data)
    if (sealed === undefined || aad === undefined) {
      return send(res, 400, { errors: ['invalid ciphertext: could not decode'] })
    }
    if (sealed.length < 12 + 16)
      return send(res, 400, { errors: ['invalid ciphertext: nonce length'] })
    try {
      const decipher = createDecipheriv('aes-256-gcm', keyBytes, sealed.subarray(0, 12))
      decipher.setAAD(aad)
      decipher.setAuthTag(sealed.subarray(sealed.length - 16))
      const plaintext = Buffer.concat([
        decipher.update(sealed.subarray(12, sealed.length - 16)),
        decipher.final(),
      ])
      send(res, 200, { data: { plaintext: plaintext.toString('base64') } })
    } catch {
      send(res, 400, { errors: ['cipher: message authentication failed'] })
    }
  }
}

/** Go's base64.StdEncoding: padded standard alphabet, nothing else. */
function base64(value: unknown): Buffer | undefined {
  if (
    typeof value !== 'string' ||
    !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)
  ) {
    return undefined
  }
  return Buffer.from(value, 'base64')
}

function send(res: ServerResponse, status: number, body: object): undefined {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(body))
}

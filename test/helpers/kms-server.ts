/**
 * A loopback stand-in for the subset of AWS KMS the provider uses: the JSON 1.1 protocol
 * (`POST /`, `X-Amz-Target: TrentService.Encrypt` / `TrentService.Decrypt`, content type
 * `application/x-amz-json-1.1`, errors as `{"__type": name, "message": …}` with KMS's statuses).
 *
 * It checks what it can of a real request: the SigV4 `Authorization` header's shape, access key
 * and credential scope (region, service `kms`) — not the signature itself — and the body's
 * fields and types. Keys have ids, ARNs and aliases; ciphertext blobs are real AES-256-GCM under
 * the key, with the encryption context (canonical JSON, sorted) as AAD, and name their key like
 * KMS blobs do, so `Decrypt` with another `KeyId` answers `IncorrectKeyException`. It can be told
 * to fail the next requests (throttling, access denied, …) and records every request.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { closeServer, listenOnLoopback, readBody } from './loopback-server.js'

export const ACCOUNT = '111122223333'

interface KmsKey {
  id: string
  arn: string
  material: Buffer
  enabled: boolean
}

export interface KmsRequest {
  target: string | undefined
  contentType: string | undefined
  authorization: string | undefined
  body: Record<string, unknown>
}

interface Fault {
  count: number
  type: string
  status: number
}

const BLOB_VERSION = 0x01

export class KmsServer {
  readonly requests: KmsRequest[] = []
  readonly accessKeys = new Set<string>()
  /** When set, Decrypt answers with this KeyId instead of the real one (an impostor endpoint). */
  answerKeyId: string | undefined
  readonly #keys = new Map<string, KmsKey>()
  readonly #aliases = new Map<string, string>()
  readonly #faults: Fault[] = []
  readonly #server: Server
  #url = ''

  private constructor(readonly region: string) {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res)
    })
  }

  static async start(region = 'eu-west-1'): Promise<KmsServer> {
    const server = new KmsServer(region)
    server.#url = await listenOnLoopback(server.#server)
    return server
  }

  get url(): string {
    return this.#url
  }

  /** Creates a key (and an alias for it); returns its ARN. */
  createKey(alias?: string): string {
    const id = randomUUID()
    const arn = `arn:aws:kms:${this.region}:${ACCOUNT}:key/${id}`
    this.#keys.set(id, { id, arn, material: randomBytes(32), enabled: true })
    if (alias !== undefined) this.#aliases.set(alias, id)
    return arn
  }

  /** Points an existing alias at another key, as `UpdateAlias` does. */
  repointAlias(alias: string, arn: string): void {
    this.#aliases.set(alias, arn.split('/').at(-1) as string)
  }

  setEnabled(arn: string, enabled: boolean): void {
    const key = this.#keys.get(arn.split('/').at(-1) as string)
    if (key !== undefined) key.enabled = enabled
  }

  /** The next `count` requests get error `type` with HTTP `status`. */
  failNext(count: number, type: string, status = 400): void {
    this.#faults.push({ count, type, status })
  }

  close(): Promise<void> {
    return closeServer(this.#server)
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Record<string, unknown>
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>
    } catch {
      return fail(res, 'SerializationException', 'malformed JSON')
    }
    const request: KmsRequest = {
      target: req.headers['x-amz-target'] as string | undefined,
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      body,
    }
    this.requests.push(request)
    const fault = this.#faults[0]
    if (fault !== undefined) {
      if (--fault.count === 0) this.#faults.shift()
      return fail(res, fault.type, 'injected', fault.status)
    }
    if (
      req.method !== 'POST' ||
      req.url !== '/' ||
      request.contentType !== 'application/x-amz-json-1.1'
    ) {
      return fail(res, 'UnknownOperationException', 'not the JSON 1.1 protocol', 404)
    }
    const scope =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([a-z0-9-]+)\/kms\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/.exec(
        request.authorization ?? '',
      )
    if (scope === null || scope[2] !== this.region)
      return fail(res, 'InvalidSignatureException', 'bad signature')
    if (!this.accessKeys.has(scope[1] as string))
      return fail(res, 'UnrecognizedClientException', 'unknown key')
    if (request.target === 'TrentService.Encrypt') return this.#encrypt(res, body)
    if (request.target === 'TrentService.Decrypt') return this.#decrypt(res, body)
    fail(res, 'UnknownOperationException', 'unknown target')
  }

  #resolve(keyId: unknown): KmsKey | undefined {
    if (typeof keyId !== 'string') return undefined
    const prefix = `arn:aws:kms:${this.region}:${ACCOUNT}:`
    const local = keyId.startsWith(prefix) ? keyId.slice(prefix.length) : keyId
    const id = local.startsWith('alias/') ? this.#aliases.get(local) : local.replace(/^key\//, '')
    return id === undefined ? undefined : this.#keys.get(id)
  }

  #encrypt(res: ServerResponse, body: Record<string, unknown>): undefined {
    const shape = checkShape(body, [
      'KeyId',
      'Plaintext',
      'EncryptionContext',
      'EncryptionAlgorithm',
    ])
    if (shape !== undefined) return fail(res, 'ValidationException', shape)
    const key = this.#resolve(body.KeyId)
    if (key === undefined) return fail(res, 'NotFoundException', 'key not found')
    if (!key.enabled) return fail(res, 'DisabledException', 'key disabled')
    const plaintext = Buffer.from(String(body.Plaintext), 'base64')
    if (plaintext.length < 1 || plaintext.length > 4096)
      return fail(res, 'ValidationException', 'Plaintext length')
    const nonce = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key.material, nonce)
    cipher.setAAD(contextBytes(body.EncryptionContext))
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
    const blob = Buffer.concat([
      Buffer.from([BLOB_VERSION]),
      Buffer.from(key.id, 'ascii'),
      nonce,
      sealed,
    ])
    send(res, 200, {
      CiphertextBlob: blob.toString('base64'),
      KeyId: key.arn,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    })
  }

  #decrypt(res: ServerResponse, body: Record<string, unknown>): undefined {
    const shape = checkShape(body, [
      'KeyId',
      'CiphertextBlob',
      'EncryptionContext',
      'EncryptionAlgorithm',
    ])
    if (shape !== undefined) return fail(res, 'ValidationException', shape)
    const key = this.#resolve(body.KeyId)
    if (key === undefined) return fail(res, 'NotFoundException', 'key not found')
    const blob = Buffer.from(String(body.CiphertextBlob), 'base64')
    if (blob.length < 1 + 36 + 12 + 16 + 1 || blob[0] !== BLOB_VERSION) {
      return fail(res, 'InvalidCiphertextException', 'invalid ciphertext')
    }
    const blobKeyId = blob.subarray(1, 37).toString('latin1')
    if (!this.#keys.has(blobKeyId))
      return fail(res, 'InvalidCiphertextException', 'invalid ciphertext')
    if (blobKeyId !== key.id) return fail(res, 'IncorrectKeyException', 'incorrect key')
    if (!key.enabled) return fail(res, 'DisabledException', 'key disabled')
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.material, blob.subarray(37, 49))
      decipher.setAAD(contextBytes(body.EncryptionContext))
      decipher.setAuthTag(blob.subarray(blob.length - 16))
      const plaintext = Buffer.concat([
        decipher.update(blob.subarray(49, blob.length - 16)),
        decipher.final(),
      ])
      send(res, 200, {
        KeyId: this.answerKeyId ?? key.arn,
        Plaintext: plaintext.toString('base64'),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      })
    } catch {
      fail(res, 'InvalidCiphertextException', 'invalid ciphertext')
    }
  }
}

/** Request fields: only the expected names, strings where KMS wants strings, a string map context. */
function checkShape(body: Record<string, unknown>, allowed: readonly string[]): string | undefined {
  for (const name of Object.keys(body))
    if (!allowed.includes(name)) return `unexpected field ${name}`
  for (const name of allowed.slice(0, 2))
    if (typeof body[name] !== 'string') return `${name} is required`
  if (body.EncryptionAlgorithm !== undefined && body.EncryptionAlgorithm !== 'SYMMETRIC_DEFAULT')
    return 'EncryptionAlgorithm'
  const context = body.EncryptionContext
  if (
    context !== undefined &&
    (typeof context !== 'object' ||
      context === null ||
      Object.values(context).some((v) => typeof v !== 'string'))
  ) {
    return 'EncryptionContext must be a map of strings'
  }
  return undefined
}

function contextBytes(context: unknown): Buffer {
  const entries = Object.entries((context ?? {}) as Record<string, string>).sort(([a], [b]) =>
    a < b ? -1 : 1,
  )
  return Buffer.from(JSON.stringify(entries), 'utf8')
}

function send(res: ServerResponse, status: number, body: object): undefined {
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'x-amzn-RequestId': randomUUID(),
  })
  res.end(JSON.stringify(body))
}

function fail(res: ServerResponse, type: string, message: string, status?: number): undefined {
  const code = status ?? (type === 'KMSInternalException' ? 500 : 400)
  send(res, code, { __type: type, message })
}

import { Readable, Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import {
  readNdjson,
  writeNdjson,
  type NdjsonLine,
  type NdjsonSource,
} from '../../../src/migrate/ndjson.js'

const INVALID = { code: 'ERR_FIELDSEAL_INVALID_NDJSON' }

async function collect(
  source: NdjsonSource,
  options?: Parameters<typeof readNdjson>[1],
): Promise<NdjsonLine[]> {
  const out: NdjsonLine[] = []
  for await (const line of readNdjson(source, options)) out.push(line)
  return out
}

async function failure(
  source: NdjsonSource,
  options?: Parameters<typeof readNdjson>[1],
): Promise<Error> {
  return collect(source, options).then(
    () => {
      throw new Error('expected readNdjson to fail')
    },
    (error: Error) => error,
  )
}

/** One chunk per byte: splits every multi-byte character and every line. */
function byteByByte(text: string): Uint8Array[] {
  return [...Buffer.from(text, 'utf8')].map((byte) => Uint8Array.of(byte))
}

/** A writable that collects text, optionally applying back-pressure on every write. */
function sink(highWaterMark = 16 * 1024) {
  const chunks: string[] = []
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'))
      setImmediate(callback)
    },
  })
  return { stream, text: () => chunks.join('') }
}

describe('readNdjson', () => {
  it('yields each value with its line number; blank lines count but are skipped', async () => {
    const lines = await collect(['{"a":1}\n\n  \n[1,2]\n"x"\n'])
    expect(lines).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 4, value: [1, 2] },
      { line: 5, value: 'x' },
    ])
  })

  it('accepts CRLF, a byte order mark and a last line without a newline', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('{"a":1}\r\n{"b":2}'),
    ])
    expect(await collect([bytes])).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 2, value: { b: 2 } },
    ])
    expect(await collect(['\uFEFF1\n2'])).toEqual([
      { line: 1, value: 1 },
      { line: 2, value: 2 },
    ])
  })

  it('reassembles lines and multi-byte characters split across chunks', async () => {
    const text = '{"name":"Zoë 🎉"}\n{"n":"ü€"}\n'
    expect(await collect(byteByByte(text))).toEqual([
      { line: 1, value: { name: 'Zoë 🎉' } },
      { line: 2, value: { n: 'ü€' } },
    ])
  })

  it('reads a Node stream', async () => {
    const source = Readable.from([Buffer.from('{"a":'), Buffer.from('1}\n{"a":2}\n')])
    expect((await collect(source)).map((l) => l.value)).toEqual([{ a: 1 }, { a: 2 }])
  })

  it('keeps a "__proto__" key as data', async () => {
    const [line] = await collect(['{"__proto__":{"polluted":true}}\n'])
    const value = line!.value as Record<string, unknown>
    expect(Object.hasOwn(value, '__proto__')).toBe(true)
    expect((value as { polluted?: unknown }).polluted).toBeUndefined()
  })

  it('names the line of invalid JSON, never its content', async () => {
    const secret = '123-45-6789'
    const error = await failure([`{"ok":1}\n\n{"ssn":"${secret}"\n{"ok":2}\n`])
    expect(error).toMatchObject(INVALID)
    expect(error.message).toContain('line 3')
    expect(error.message).not.toContain(secret)
    expect(error.cause).toBeUndefined()
  })

  it('refuses invalid and truncated UTF-8', async () => {
    expect(
      await failure([Buffer.from('{"a":1}\n'), Buffer.from([0x22, 0xff, 0x22, 0x0a])]),
    ).toMatchObject({
      ...INVALID,
      message: expect.stringContaining('line 2'),
    })
    expect(await failure([Buffer.from([0x22, 0xc3])])).toMatchObject(INVALID)
  })

  it('refuses a line longer than maxLineLength, whole or still arriving', async () => {
    expect(await failure(['"abcdefghij"\n'], { maxLineLength: 5 })).toMatchObject(INVALID)
    expect(await failure(['"abc', 'def', 'ghij'], { maxLineLength: 5 })).toMatchObject(INVALID)
    expect(await collect(['"abc"\n'], { maxLineLength: 5 })).toEqual([{ line: 1, value: 'abc' }])
  })

  it('rejects bad arguments when called', () => {
    expect(() => readNdjson(['1'], { maxLine: 3 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
    expect(() => readNdjson(['1'], { maxLineLength: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
    expect(() => readNdjson(42 as never)).toThrow(TypeError)
  })

  it('refuses a stream of something other than text or bytes', async () => {
    await expect(collect([42 as never])).rejects.toBeInstanceOf(TypeError)
  })
})

describe('writeNdjson', () => {
  it('writes one JSON line per record and round-trips through readNdjson', async () => {
    const records = [{ a: 1, s: 'line\nbreak' }, [1, 'two'], 'x', null, 3.5]
    const out = sink()
    expect(await writeNdjson(out.stream, records)).toBe(5)
    expect(out.text().split('\n')).toHaveLength(6)
    expect((await collect([out.text()])).map((l) => l.value)).toEqual(records)
  })

  it('waits for drain under back-pressure and keeps order', async () => {
    const out = sink(1)
    async function* many() {
      for (let i = 0; i < 20_000; i++) yield { i, pad: 'x'.repeat(20) }
    }
    expect(await writeNdjson(out.stream, many())).toBe(20_000)
    const values = (await collect([out.text()])).map((l) => (l.value as { i: number }).i)
    expect(values).toEqual(Array.from({ length: 20_000 }, (_, i) => i))
  })

  it('refuses a record JSON cannot hold, before writing it', async () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const bad of [10n, cyclic, undefined, () => 1]) {
      const out = sink()
      await expect(writeNdjson(out.stream, [{ ok: 1 }, bad])).rejects.toMatchObject({
        code: 'ERR_FIELDSEAL_UNSUPPORTED_VALUE',
        message: expect.stringContaining('record 1'),
      })
    }
  })

  it('still writes the records taken before a bad record or a failing source', async () => {
    const out = sink()
    await expect(writeNdjson(out.stream, [{ ok: 1 }, 10n])).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_UNSUPPORTED_VALUE',
    })
    async function* failing() {
      yield { id: 1 }
      yield { id: 2 }
      throw new Error('source failed')
    }
    const second = sink()
    await expect(writeNdjson(second.stream, failing())).rejects.toThrow('source failed')
    await new Promise((resolve) => setImmediate(resolve))
    expect(out.text()).toBe('{"ok":1}\n')
    expect(second.text()).toBe('{"id":1}\n{"id":2}\n')
  })

  it('rejects when the stream fails or closes while waiting for drain', async () => {
    const failing = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, callback) {
        setImmediate(() => callback(new Error('disk full')))
      },
    })
    await expect(writeNdjson(failing, [{ a: 1 }])).rejects.toThrow('disk full')
    const stalled = new Writable({ highWaterMark: 1, write() {} })
    const pending = writeNdjson(stalled, [{ a: 1 }])
    setImmediate(() => stalled.destroy())
    await expect(pending).rejects.toThrow(/closed/)
  })

  it('rejects bad arguments', async () => {
    await expect(writeNdjson({} as never, [])).rejects.toBeInstanceOf(TypeError)
    await expect(writeNdjson(sink().stream, 5 as never)).rejects.toBeInstanceOf(TypeError)
  })
})

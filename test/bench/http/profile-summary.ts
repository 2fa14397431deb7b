/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, e.g. from `run.ts --cpu-prof`): self time by
 * function and by file, and total (inclusive) time of fieldseal's own functions.
 *
 *     npx tsx test/bench/http/profile-summary.ts .data/bench-profiles/CPU.*.cpuprofile [--top 25]
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { functionName: string; url: string; lineNumber: number }
  readonly children?: number[]
}

interface Profile {
  readonly nodes: ProfileNode[]
  readonly samples: number[]
  readonly timeDeltas: number[]
}

const { values: options, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
})
const top = Number(options.top)

const shortUrl = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'node_modules/')
    .replace(/^.*\/work\/main\//, '')
    .replace(/\?.*$/, '') || '(native)'

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id)
  const self = new Map<number, number>()
  let total = 0
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0
    self.set(id, (self.get(id) ?? 0) + delta)
    total += delta
  })
  if (total === 0) continue

  const bySelf = new Map<string, number>()
  const byFile = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, time] of self) {
    const node = byId.get(id) as ProfileNode
    const { functionName, url, lineNumber } = node.callFrame
    const name = `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`
    bySelf.set(name, (bySelf.get(name) ?? 0) + time)
    const owner = url === '' ? `(${functionName})` : shortUrl(url)
    byFile.set(owner, (byFile.get(owner) ?? 0) + time)
    // Inclusive time of fieldseal's own functions: count each frame once per sample stack.
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = (byId.get(at) as ProfileNode).callFrame
      if (!/\/(src|adapters)\//.test(frame.url)) continue
      const key = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}`
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + time)
    }
  }
  const print = (title: string, map: Map<string, number>) => {
    console.log(`\n${title}`)
    for (const [name, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((time / total) * 100).toFixed(1).padStart(6)}%  ${name}`)
    }
  }
  console.log(`\n=== ${file} — ${(total / 1000).toFixed(0)} ms sampled`)
  print('self time by function', bySelf)
  print('self time by file', byFile)
  print('inclusive time of fieldseal functions', inclusive)
}

/**
 * The fenced code blocks of the documentation: those of Markdown files (README.md,
 * CONTRIBUTING.md, docs/) and those of TSDoc comments in the sources. The examples test
 * type-checks the TypeScript ones; the docs test reads the others.
 *
 * @module
 */

/** One fenced block: where it starts (1-based line of its opening fence) and what it holds. */
export interface CodeBlock {
  readonly file: string
  readonly line: number
  /** The first word of the info string (`ts`, `sh`…), lower case; `''` when there is none. */
  readonly lang: string
  /** The rest of the info string: `nocheck <reason>` on a block left out of the check. */
  readonly meta: string
  readonly code: string
  /**
   * In a TSDoc comment: the declaration the comment documents, as `Name` or `Owner.member` for a
   * member of a class or interface.
   */
  readonly declaration?: string
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/

/**
 * The fenced blocks of Markdown `text` (CommonMark fences: ``` or ~~~, closed by a fence of the
 * same character at least as long; the opening fence's indentation is removed from each line, as
 * in a list item). `lineOffset` is added to line numbers, for text cut out of a larger file.
 */
export function markdownBlocks(file: string, text: string, lineOffset = 0): CodeBlock[] {
  const lines = text.split('\n')
  const blocks: CodeBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '')
    if (!open) continue
    const [, indent = '', fence = '', lang = '', meta = ''] = open
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length; j++) {
      const line = lines[j] ?? ''
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(line)
      if (close?.[1]?.[0] === fence[0] && (close[1]?.length ?? 0) >= fence.length) break
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart())
    }
    blocks.push({
      file,
      line: i + 1 + lineOffset,
      lang: lang.toLowerCase(),
      meta: meta.trim(),
      code: `${body.join('\n')}\n`,
    })
    i = j
  }
  return blocks
}

/**
 * The fenced blocks inside the `/** … *\/` comments of a source file, with the comment's `*`
 * margin removed, each with the declaration its comment documents.
 */
export function tsdocBlocks(file: string, source: string): CodeBlock[] {
  const blocks: CodeBlock[] = []
  const comment = /\/\*\*[\s\S]*?\*\//g
  for (let match = comment.exec(source); match; match = comment.exec(source)) {
    const startLine = source.slice(0, match.index).split('\n').length - 1
    const text = match[0]
      .split('\n')
      .map((line) => line.replace(/^\s*\/?\*+\/?( ?)/, '').replace(/\s*\*\/$/, ''))
      .join('\n')
    const declaration = documented(source, match.index, match.index + match[0].length)
    for (const block of markdownBlocks(file, text, startLine))
      blocks.push({ ...block, declaration })
  }
  return blocks
}

const TOP_LEVEL =
  /^(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|interface|type|const|let|enum|namespace)\s+([\w$]+)/
const MEMBER = /^\s+(?:(?:static|readonly|async|get|set|public|override)\s+)*([\w$#]+)\s*[(<:?=]/

/** The name declared right after a comment, qualified by its owner when it is a member. */
function documented(source: string, start: number, end: number): string | undefined {
  const next =
    source
      .slice(end)
      .split('\n')
      .find((line) => line.trim() !== '') ?? ''
  const top = TOP_LEVEL.exec(next)
  if (top) return top[1]
  const member = MEMBER.exec(next)
  if (!member) return undefined
  const owners = [...source.slice(0, start).matchAll(new RegExp(TOP_LEVEL.source, 'gm'))]
  const owner = owners.at(-1)?.[1]
  return owner ? `${owner}.${member[1]}` : member[1]
}

/** True for a block the examples test type-checks: TypeScript, not marked `nocheck`. */
export function isCheckedTs(block: CodeBlock): boolean {
  return isTs(block) && !block.meta.startsWith('nocheck')
}

/** True for a TypeScript block, checked or not. */
export function isTs(block: CodeBlock): boolean {
  return block.lang === 'ts' || block.lang === 'typescript'
}

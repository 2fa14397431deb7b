/**
 * Linear work on hostile input: every function that runs a regular expression (or a scan) over
 * request or response data is timed on an adversarial input of n and of 10n code units. Linear
 * work takes about 10× as long; the quadratic pattern 0.1.0 had in blind-index normalisation
 * took about 100×. A ratio over the generous bound of 30× fails the run (exit code 1).
 *
 * Run with `npm run bench:linear` (not part of `npm test`: it times things).
 */
import { normalizeForBlindIndex } from '../../src/blind-index/normalize.js'
import { looksLikeCardNumber, looksLikeSsn } from '../../src/mask/detect.js'
import { parseEnvelope } from '../../src/crypto/envelope.js'
import { parsePlaintextText } from '../../src/crypto/field-value.js'
import { hasJsonBody } from '../../src/http/request-body.js'
import { maskEmail, maskPhone } from '../../src/mask/reference.js'
import { appendPath } from '../../src/paths/parse.js'
import { normalizeFieldName } from '../../src/core/policy.js'

const N = 20_000
const BOUND = 30

const attempt = (run: () => unknown) => () => {
  try {
    run()
  } catch {
    // refusing is fine: only the time to get there counts
  }
}

/** Each case: what is measured, and the work on an input of about `n` code units. */
const cases: Array<[string, (n: number) => () => void]> = [
  [
    'normalizeForBlindIndex: digits then a letter',
    (n) => {
      const text = `${'1'.repeat(n)}a`
      return attempt(() => normalizeForBlindIndex(text, 'f', Infinity))
    },
  ],
  [
    'normalizeForBlindIndex: spaces and separators',
    (n) => {
      const text = `${' (-'.repeat(n / 3)}1x`
      return attempt(() => normalizeForBlindIndex(text, 'f', Infinity))
    },
  ],
  [
    'JSON media type: long subtype without +json',
    (n) => {
      const headers = { 'content-type': `application/${'a'.repeat(n)}`, 'content-length': '1' }
      return attempt(() => hasJsonBody(headers))
    },
  ],
  [
    'JSON media type: white space then no parameter',
    (n) => {
      const type = `${' '.repeat(n)}application/json${' '.repeat(n)}x`
      const headers = { 'content-type': type, 'content-length': '1' }
      return attempt(() => hasJsonBody(headers))
    },
  ],
  [
    'envelope: version digits without a colon',
    (n) => {
      const text = `enc:v${'1'.repeat(n)}`
      return attempt(() => parseEnvelope(text))
    },
  ],
  [
    'envelope: key id without a colon',
    (n) => {
      const text = `enc:v1:${'a'.repeat(n)}`
      return attempt(() => parseEnvelope(text))
    },
  ],
  [
    'envelope: legacy base64 failing at the end',
    (n) => {
      const text = `enc:${'AAAA'.repeat(n / 4)}AA!=`
      return attempt(() => parseEnvelope(text))
    },
  ],
  [
    'envelope: v1 base64url with a bad character before the end',
    (n) => {
      const text = `enc:v1:kid:${'A'.repeat(n)}!AAA`
      return attempt(() => parseEnvelope(text))
    },
  ],
  [
    'v1 plaintext: a long JSON string',
    (n) => {
      const text = `"${'a'.repeat(n)}"`
      return attempt(() => parsePlaintextText(text))
    },
  ],
  [
    'v1 plaintext: a long JSON string with a quote at the end',
    (n) => {
      const text = `"${'a'.repeat(n)}"x"`
      return attempt(() => parsePlaintextText(text))
    },
  ],
  [
    'detection: card and SSN shapes on long digits',
    (n) => {
      const text = `${'4'.repeat(n)} `
      return attempt(() => looksLikeCardNumber(text) || looksLikeSsn(text))
    },
  ],
  [
    'masking: phone with separators',
    (n) => {
      const text = `${'1-'.repeat(n / 2)}x`
      return attempt(() => maskPhone(text))
    },
  ],
  [
    'masking: e-mail with a long local part',
    (n) => {
      const text = `${'a'.repeat(n)}@example.com`
      return attempt(() => maskEmail(text))
    },
  ],
  [
    'paths: printing a long key that is not an identifier',
    (n) => {
      const key = `${'a'.repeat(n)}!`
      return attempt(() => appendPath('root', key))
    },
  ],
  [
    'policy: field-name normalisation',
    (n) => {
      const name = ' _-A'.repeat(n / 4)
      return attempt(() => normalizeFieldName(name))
    },
  ],
]

/** Median time of `run` over enough repetitions to be measurable, in nanoseconds. */
function measure(run: () => void): number {
  const samples: number[] = []
  for (let sample = 0; sample < 7; sample++) {
    let repetitions = 0
    const start = process.hrtime.bigint()
    let elapsed = 0n
    do {
      run()
      repetitions++
      elapsed = process.hrtime.bigint() - start
    } while (elapsed < 5_000_000n)
    samples.push(Number(elapsed) / repetitions)
  }
  samples.sort((a, b) => a - b)
  return samples[3] as number
}

let failed = false
console.log(`n = ${N} and 10n = ${10 * N} code units; bound ${BOUND}×\n`)
console.log('| case | n (µs) | 10n (µs) | ratio |')
console.log('|---|---:|---:|---:|')
for (const [name, make] of cases) {
  const small = make(N)
  const large = make(10 * N)
  small()
  large()
  const [timeSmall, timeLarge] = [measure(small), measure(large)]
  const ratio = timeLarge / timeSmall
  if (ratio > BOUND) failed = true
  const flag = ratio > BOUND ? ' **over bound**' : ''
  const [smallMicros, largeMicros] = [timeSmall / 1000, timeLarge / 1000].map((t) => t.toFixed(1))
  console.log(`| ${name} | ${smallMicros} | ${largeMicros} | ${ratio.toFixed(1)}×${flag} |`)
}
process.exitCode = failed ? 1 : 0

/**
 * Mask JSON responses in Express: app-level rules for every route, a route that reveals a field
 * in full, and ciphertext decrypted before masking so the last four digits are the real ones.
 *
 *     npx tsx examples/mask-response.ts
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { createFieldseal } from 'fieldseal'
import { fieldseal, mask } from 'fieldseal/express'

const sealer = createFieldseal({
  keys: [randomBytes(32).toString('base64')],
  fields: ['ssn', 'card'],
})
// What a database would hand back: sensitive fields encrypted.
const stored = sealer.encryptFields({
  name: 'Ada',
  ssn: '078-05-1120',
  card: '4111111111111111',
  email: 'ada@example.com',
})

const app = express()
app.use(
  express.json(),
  fieldseal(sealer, {
    mask: { decrypt: true, rules: { '**.ssn': 'ssn', '**.card': 'card', '**.email': 'email' } },
  }),
)
app.get('/masked', (_req, res) => {
  res.json(stored)
})
app.get('/support', mask({ reveal: ['email'] }), (_req, res) => {
  res.json(stored)
})
app.get('/plain-text', (_req, res) => {
  res.type('text').send('strings, buffers and streams pass untouched')
})

const server = app.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
for (const path of ['/masked', '/support', '/plain-text']) {
  const response = await fetch(base + path)
  console.log(path.padEnd(12), await response.text())
}
console.log('the handler’s object is not changed:', String(stored.ssn).startsWith('enc:v1:'))
server.close()

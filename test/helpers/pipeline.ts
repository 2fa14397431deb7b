/**
 * The HTTP pipeline's callback steps as promises, for tests and benchmarks that await them (as
 * the Koa adapter does).
 *
 * @module
 */
import type {
  HttpPipeline,
  HttpRequestInput,
  HttpRequestResult,
} from '../../src/http/pipeline-types.js'
import type { FieldsealRequest } from '../../src/http/request-state.js'

/** `pipeline.request(input, done, fail)` as a promise. */
export function requestThrough(
  pipeline: HttpPipeline,
  input: HttpRequestInput,
): Promise<HttpRequestResult> {
  return new Promise((resolve, reject) => pipeline.request(input, resolve, reject))
}

/** `pipeline.respond(body, state, send, fail)` as a promise. */
export function respondThrough(
  pipeline: HttpPipeline,
  body: unknown,
  state: FieldsealRequest | undefined,
): Promise<unknown> {
  return new Promise((resolve, reject) => pipeline.respond(body, state, resolve, reject))
}

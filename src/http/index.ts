/**
 * `fieldseal/http`: the framework-agnostic HTTP pipeline, the seam for a framework fieldseal has
 * no adapter for. An adapter creates one pipeline per middleware (`createHttpPipeline`), calls
 * `request` before the handler and `respond` for each JSON response, answers bad request data
 * itself with problem details (`isRequestDataError`, `problemDetails`) and passes anything else
 * to the framework's error handling. `fieldseal/express`, `fieldseal/koa` and
 * `fieldseal/fastify` are built on exactly this, each about 150 lines: read one of them first.
 *
 * @module
 */
export {
  createHttpPipeline,
  type HttpPipeline,
  type HttpRequestInput,
  type HttpRequestResult,
} from './pipeline.js'
export { isJsonBody } from './response-body.js'
export { createRouteMask, useRouteMask, type RouteMask } from './route-mask.js'
export type { FieldsealRequest } from './request-state.js'
export type { FieldsealMiddlewareOptions, ResponseMaskOptions } from './http-options.js'
export { bodyParserError } from './body-errors.js'
export {
  resolveErrorHandlerOptions,
  type ErrorHandlerOptions,
} from './error-handler-options.js'
export {
  isRequestDataError,
  PROBLEM_CONTENT_TYPE,
  problemDetails,
  type ProblemDetails,
} from './problem.js'
export type { HttpHeaders } from './request-body.js'

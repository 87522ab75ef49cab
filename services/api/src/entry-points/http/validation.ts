import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

// ajv-formats is CommonJS with a default export; ESM sees it as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv

/**
 * Request validation: all errors at once (each bad field is named), unknown body fields refused instead
 * of silently dropped, defaults applied; query, path and header values are coerced from strings, bodies
 * are not (a JSON string is not a number).
 */
export function requestValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const common = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false } as const
  const coercing = addFormats(new Ajv({ ...common, coerceTypes: 'array' }))
  const strictBodies = addFormats(new Ajv({ ...common, coerceTypes: false }))
  return ({ schema, httpPart }) =>
    (httpPart === 'body' ? strictBodies : coercing).compile(schema as object) as ReturnType<
      FastifySchemaCompiler<unknown>
    >
}

import type { Database, Kysely } from '@chargebus/db'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { issueApiKey, listApiKeys, revokeApiKey } from '../../data-access/api-keys.ts'
import type { KeyAuthenticator } from '../../data-access/key-store.ts'
import { ApiKeyNotFound } from '../../domain/errors.ts'
import { security } from './auth.ts'
import { paged, sendPage } from './pages.ts'
import {
  ApiKeyCreateBody,
  ApiKeyParams,
  ApiKeySchema,
  CreatedApiKeySchema,
  Page,
  PageQuery,
  readResponses,
  responses,
} from './schemas.ts'

export interface ApiKeyRoutesOptions {
  db: Kysely<Database>
  keys: KeyAuthenticator
  clock: () => Date
}

/** API key administration (admin scope). */
export const apiKeyRoutes: FastifyPluginAsyncTypebox<ApiKeyRoutesOptions> = async (
  app,
  { db, keys, clock },
) => {
  app.get(
    '/api-keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys',
        description:
          'Oldest first; revoked keys only with includeRevoked=true. Keys themselves are never shown again.',
        security: security('admin'),
        querystring: Type.Object(
          { includeRevoked: Type.Optional(Type.Boolean({ default: false })), ...PageQuery },
          { additionalProperties: false },
        ),
        response: readResponses({ 200: Page(ApiKeySchema, 'ApiKeyPage') }),
      },
    },
    async (request, reply) => sendPage(request, reply, await listApiKeys(db, paged(request.query))),
  )

  app.post(
    '/api-keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key',
        description: 'The answer holds the key: it is shown only once (only its sha256 is stored).',
        security: security('admin'),
        body: ApiKeyCreateBody,
        response: responses({ 201: CreatedApiKeySchema }),
      },
    },
    async (request, reply) => {
      const created = await issueApiKey(db, request.body)
      reply.code(201).header('cache-control', 'no-store')
      return created
    },
  )

  app.delete(
    '/api-keys/:keyId',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key',
        description:
          'Refused at once by this instance; other instances refuse it within API_KEY_CACHE_TTL_MS (their lookup cache).',
        security: security('admin'),
        params: ApiKeyParams,
        response: responses({ 200: ApiKeySchema }),
      },
    },
    async (request) => {
      const revoked = await revokeApiKey(db, request.params.keyId, clock())
      if (revoked === undefined) throw new ApiKeyNotFound(request.params.keyId)
      keys.forget(revoked.id)
      return revoked
    },
  )
}

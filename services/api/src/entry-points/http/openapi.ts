import type { ServiceApp } from '@chargebus/platform'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { SCOPES } from '../../domain/api-keys.ts'

/**
 * The OpenAPI 3.1 document of every `/v1` route (from their TypeBox schemas) at `/openapi.json`, and the
 * Swagger UI at `/docs`. Registered before the routes, so it sees them.
 */
export async function registerOpenApi(app: ServiceApp): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Chargebus API',
        version: '1.0.0',
        description:
          'REST API of the Chargebus central system: stations, connectors, sessions, meter values, id tags, live events and BI exports. Errors are application/problem+json (RFC 9457). Authenticate with `Authorization: Bearer <api key>`.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: `An API key (\`pnpm chargebus api-key create\`). Scopes: ${SCOPES.join(', ')}; admin implies all.`,
          },
        },
      },
      tags: [
        { name: 'stations' },
        { name: 'connectors' },
        { name: 'sessions' },
        { name: 'id-tags' },
        { name: 'events' },
        { name: 'aggregates' },
        { name: 'exports' },
        { name: 'api-keys' },
        { name: 'archive' },
        { name: 'dead-letters' },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}

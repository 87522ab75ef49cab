import type { Bus } from '@chargebus/bus'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { listStationMessages } from '../../data-access/station-journal.ts'
import { security } from './auth.ts'
import { paged, sendPage } from './pages.ts'
import { Page, readResponses, StationMessageQuery, StationMessageSchema, StationParams } from './schemas.ts'

/** `GET /stations/{id}/messages`: the per-station, per-message view of the raw journal (OCPP_IN). */
export const stationMessageRoutes: FastifyPluginAsyncTypebox<{ bus: Pick<Bus, 'scan'> }> = async (
  app,
  { bus },
) => {
  app.get(
    '/stations/:stationId/messages',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['stations'],
        summary: "A station's messages as the gateway stored them",
        description:
          'Read from the raw journal (JetStream OCPP_IN), oldest first: request, answer, quirks, message id, trace ' +
          'id and stream sequence. A page scans for a bounded time, so it may hold fewer than `limit` entries ' +
          'while `next` is not null: follow `next` until it is. An unknown station has an empty list.',
        security: security('read'),
        params: StationParams,
        querystring: StationMessageQuery,
        response: readResponses({ 200: Page(StationMessageSchema, 'StationMessagePage') }),
      },
    },
    async (request, reply) =>
      sendPage(
        request,
        reply,
        await listStationMessages(bus, request.params.stationId, paged(request.query)),
      ),
  )
}

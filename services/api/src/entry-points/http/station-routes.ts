import type { Database, Kysely } from '@chargebus/db'
import { mirrorRegistration } from '@chargebus/station-registry'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { KV } from '@nats-io/kv'
import { Type } from 'typebox'
import {
  decideRegistration,
  findConnector,
  findStation,
  listConnectors,
  listStations,
} from '../../data-access/stations.ts'
import { listStatusEvents } from '../../data-access/status-events.ts'
import { ConnectorNotFound, StationNotFound } from '../../domain/errors.ts'
import { security } from './auth.ts'
import { kvWrite } from './kv-write.ts'
import { paged, sendPage } from './pages.ts'
import {
  ConnectorParams,
  ConnectorSchema,
  Page,
  RegistrationBody,
  readResponses,
  responses,
  StationDetailSchema,
  StationListQuery,
  StationParams,
  StationSchema,
  StatusEventQuery,
  StatusEventSchema,
} from './schemas.ts'

export interface StationRoutesOptions {
  db: Kysely<Database>
  stationsKv: KV
  clock: () => Date
}

/** Stations, their connectors and status history, and registration decisions. */
export const stationRoutes: FastifyPluginAsyncTypebox<StationRoutesOptions> = async (
  app,
  { db, stationsKv, clock },
) => {
  app.get(
    '/stations',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['stations'],
        summary: 'List stations',
        description: 'Ordered by id. Filters combine with AND.',
        security: security('read'),
        querystring: StationListQuery,
        response: readResponses({ 200: Page(StationSchema, 'StationPage') }),
      },
    },
    async (request, reply) => sendPage(request, reply, await listStations(db, paged(request.query))),
  )

  app.get(
    '/stations/:stationId',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['stations'],
        summary: 'A station with its connectors',
        security: security('read'),
        params: StationParams,
        response: readResponses({ 200: StationDetailSchema }),
      },
    },
    async (request) => {
      const { stationId } = request.params
      const [station, connectors] = await Promise.all([
        findStation(db, stationId),
        listConnectors(db, stationId),
      ])
      if (station === undefined) throw new StationNotFound(stationId)
      return { ...station, connectors }
    },
  )

  app.post(
    '/stations/:stationId/registration',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['stations'],
        summary: 'Accept or reject a station',
        description:
          "Records the operator's decision in Postgres and in the gateway's station cache (NATS KV): the station is answered accordingly at its next BootNotification. Typically for Pending stations; any station can be re-decided.",
        security: security('write'),
        params: StationParams,
        body: RegistrationBody,
        response: responses({ 200: StationSchema }),
      },
    },
    async (request) => {
      const { stationId } = request.params
      const at = clock()
      return db.transaction().execute(async (trx) => {
        const station = await decideRegistration(trx, stationId, request.body.status, at)
        if (station === undefined) throw new StationNotFound(stationId)
        await kvWrite(() =>
          mirrorRegistration(stationsKv, {
            stationId,
            registrationStatus: station.registrationStatus,
            decidedAt: new Date(station.registrationStatusAt ?? at),
            source: 'api',
          }),
        )
        return station
      })
    },
  )

  app.get(
    '/stations/:stationId/connectors',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['connectors'],
        summary: "A station's connectors",
        security: security('read'),
        params: StationParams,
        response: readResponses({
          200: Type.Object({ data: Type.Array(ConnectorSchema) }, { additionalProperties: false }),
        }),
      },
    },
    async (request) => {
      const { stationId } = request.params
      const [station, connectors] = await Promise.all([
        findStation(db, stationId),
        listConnectors(db, stationId),
      ])
      if (station === undefined) throw new StationNotFound(stationId)
      return { data: connectors }
    },
  )

  app.get(
    '/stations/:stationId/connectors/:connectorId',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['connectors'],
        summary: 'A connector and its current status',
        security: security('read'),
        params: ConnectorParams,
        response: readResponses({ 200: ConnectorSchema }),
      },
    },
    async (request) => {
      const { stationId, connectorId } = request.params
      const connector = await findConnector(db, stationId, connectorId)
      if (connector !== undefined) return connector
      if ((await findStation(db, stationId)) === undefined) throw new StationNotFound(stationId)
      throw new ConnectorNotFound(stationId, connectorId)
    },
  )

  app.get(
    '/stations/:stationId/connectors/:connectorId/status-events',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['connectors'],
        summary: "A connector's status history",
        description: 'Every StatusNotification, oldest first; from/to bound statusAt.',
        security: security('read'),
        params: ConnectorParams,
        querystring: StatusEventQuery,
        response: readResponses({ 200: Page(StatusEventSchema, 'StatusEventPage') }),
      },
    },
    async (request, reply) => {
      const { stationId, connectorId } = request.params
      const page = await listStatusEvents(db, { stationId, connectorId, ...paged(request.query) })
      if (page.items.length === 0 && request.query.cursor === undefined) {
        if ((await findStation(db, stationId)) === undefined) throw new StationNotFound(stationId)
      }
      return sendPage(request, reply, page)
    },
  )
}

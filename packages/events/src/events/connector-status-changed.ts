import { Type } from 'typebox'
import { defineEvent } from '../define-event.ts'
import { Streams } from '../streams.ts'

export const ConnectorStatusChangedSchema = Type.Object(
  {
    stationId: Type.String({ minLength: 1, maxLength: 255 }),
    connectorId: Type.Integer({ minimum: 0, description: '0 is the station as a whole.' }),
    status: Type.String({ description: 'OCPP 1.6 ChargePointStatus (1.5 statuses converted).' }),
    previousStatus: Type.Optional(
      Type.String({ description: 'Absent for a connector seen the first time.' }),
    ),
    errorCode: Type.String(),
    previousErrorCode: Type.Optional(Type.String()),
    info: Type.Optional(Type.String()),
    vendorErrorCode: Type.Optional(Type.String()),
    statusAt: Type.String({ format: 'date-time', description: 'Station timestamp, else receivedAt.' }),
    receivedAt: Type.String({ format: 'date-time' }),
    sourceMessageId: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false, title: 'Connector status changed' },
)

export const ConnectorStatusChanged = defineEvent({
  name: 'connector.status_changed',
  version: 1,
  stream: Streams.DOMAIN,
  description:
    "A connector's current status or error code changed (a StatusNotification newer than the stored status). Older notifications go to the history only.",
  subject: 'connector.{station}.{connector}.status_changed',
  subjectParams: (e) => ({ station: e.stationId, connector: String(e.connectorId) }),
  schema: ConnectorStatusChangedSchema,
  examples: [
    {
      stationId: 'CP-0001',
      connectorId: 1,
      status: 'Charging',
      previousStatus: 'Preparing',
      errorCode: 'NoError',
      previousErrorCode: 'NoError',
      statusAt: '2026-11-26T10:02:00.000Z',
      receivedAt: '2026-11-26T10:02:00.120Z',
      sourceMessageId: 'urn:uuid:8a4f3c2e-1d0b-4e9a-b8c7-d6e5f4a3b2c1',
    },
  ],
})

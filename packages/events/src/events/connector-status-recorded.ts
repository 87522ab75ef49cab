import { Type } from 'typebox'
import { defineEvent } from '../define-event.ts'
import { Streams } from '../streams.ts'

export const ConnectorStatusRecordedSchema = Type.Object(
  {
    stationId: Type.String({ minLength: 1, maxLength: 255 }),
    connectorId: Type.Integer({ minimum: 0, description: '0 is the station as a whole.' }),
    status: Type.String({ description: 'OCPP 1.6 ChargePointStatus (1.5 statuses converted).' }),
    errorCode: Type.String(),
    info: Type.Optional(Type.String()),
    vendorId: Type.Optional(Type.String()),
    vendorErrorCode: Type.Optional(Type.String()),
    statusAt: Type.String({ format: 'date-time', description: 'Station timestamp, else receivedAt.' }),
    stationTimestamp: Type.Boolean({ description: 'Whether statusAt is the station’s own timestamp.' }),
    receivedAt: Type.String({ format: 'date-time' }),
    sourceMessageId: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false, title: 'Connector status recorded' },
)

export const ConnectorStatusRecorded = defineEvent({
  name: 'connector.status_recorded',
  version: 1,
  stream: Streams.DOMAIN,
  description:
    'A StatusNotification went into the status history: every one, late or repeated ones included (connector.status_changed is only for a newer status that changed the current one). Rollups of connector time read these.',
  subject: 'connector.{station}.{connector}.status_recorded',
  subjectParams: (e) => ({ station: e.stationId, connector: String(e.connectorId) }),
  schema: ConnectorStatusRecordedSchema,
  examples: [
    {
      stationId: 'CP-0001',
      connectorId: 1,
      status: 'Faulted',
      errorCode: 'GroundFailure',
      vendorErrorCode: 'E-17',
      statusAt: '2026-11-26T09:58:00.000Z',
      stationTimestamp: true,
      receivedAt: '2026-11-26T10:02:00.120Z',
      sourceMessageId: 'urn:uuid:3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
    },
  ],
})

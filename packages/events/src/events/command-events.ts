import { Type } from 'typebox'
import { defineEvent } from '../define-event.ts'
import { Streams } from '../streams.ts'
import { encodeSubjectToken } from '../subject-token.ts'

/*
 * Commands to stations (stream COMMANDS): the API (or the gateway itself) publishes `command.requested` on
 * `cmd.<station>.<operation>`, the gateway's dispatcher sends it to the station's ChargePointService and
 * publishes every status change as `command.updated` on `cmd.<station>.<operation>.<status>`.
 * The dispatcher's durable consumer filters `cmd.*.*` (requests only); update subscribers use `cmd.*.*.*`.
 */

/** Every status a command goes through; `accepted`, `rejected`, `failed` and `expired` are terminal. */
export const COMMAND_STATUSES = ['queued', 'sent', 'accepted', 'rejected', 'failed', 'expired'] as const
export type CommandStatus = (typeof COMMAND_STATUSES)[number]
/** Statuses after which nothing changes any more. */
export const TERMINAL_COMMAND_STATUSES: readonly CommandStatus[] = [
  'accepted',
  'rejected',
  'failed',
  'expired',
]

/** Printable ASCII without spaces, 1 to 200 characters (it travels in a NATS header). */
export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7E]{1,200}$'

/**
 * The Nats-Msg-Id of a `command.requested`: the idempotency key scoped by station (a retried request is stored
 * once within the stream's duplicate window), else the command id.
 *
 * ### Examples
 * ```ts
 * commandMsgId('CP.7', 'order-42', id) // 'cmd:CP%2E7:order-42'
 * commandMsgId('CP-1', undefined, id)  // `cmd:${id}`
 * ```
 */
export function commandMsgId(
  stationId: string,
  idempotencyKey: string | undefined,
  commandId: string,
): string {
  return idempotencyKey === undefined
    ? `cmd:${commandId}`
    : `cmd:${encodeSubjectToken(stationId)}:${idempotencyKey}`
}

const CommandId = Type.String({
  format: 'uuid',
  description: 'Command id (a UUID given by whoever requested it); also the `commands` table key.',
})
const StationId = Type.String({
  minLength: 1,
  maxLength: 255,
  description: 'Station identity (chargeBoxIdentity).',
})
const Operation = Type.String({
  pattern: '^[A-Z][A-Za-z]*$',
  maxLength: 64,
  description: 'OCPP 1.6 ChargePointService operation, e.g. `RemoteStartTransaction` (1.5 stations too).',
})

export const CommandRequestedSchema = Type.Object(
  {
    commandId: CommandId,
    stationId: StationId,
    operation: Operation,
    payload: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'The request in its OCPP 1.6 form (validated by the requester); converted for 1.5 stations when sent.',
    }),
    requestedAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'Not sent after this; becomes `expired`.' }),
    ),
    idempotencyKey: Type.Optional(
      Type.String({
        pattern: IDEMPOTENCY_KEY_PATTERN,
        description: "The requester's key; with the station it is the Nats-Msg-Id (a retry is stored once).",
      }),
    ),
    origin: Type.Union([Type.Literal('api'), Type.Literal('system')], {
      description:
        '`api` (an operator or client), `system` (the gateway, e.g. GetConfiguration after a boot).',
    }),
    requestedBy: Type.Optional(Type.String({ maxLength: 200, description: 'API key name or component.' })),
  },
  { additionalProperties: false, title: 'Command requested' },
)

export const CommandRequested = defineEvent({
  name: 'command.requested',
  version: 1,
  stream: Streams.COMMANDS,
  description:
    "A command for a station's ChargePointService, waiting in the durable outbox; the gateway's dispatcher sends " +
    'it (one at a time per station, in order) and publishes `command.updated` for every status change.',
  subject: 'cmd.{station}.{operation}',
  subjectParams: (e) => ({ station: e.stationId, operation: e.operation }),
  schema: CommandRequestedSchema,
  examples: [
    {
      commandId: '0b6c2f5e-8f2a-4c1e-9d3b-5a7e1f2c3d40',
      stationId: 'CP-0001',
      operation: 'RemoteStartTransaction',
      payload: { connectorId: 1, idTag: 'TAG-0001' },
      requestedAt: '2026-11-26T10:00:00.000Z',
      expiresAt: '2026-11-26T10:05:00.000Z',
      idempotencyKey: 'order-42',
      origin: 'api',
      requestedBy: 'ops-console',
    },
  ],
})

export const CommandUpdatedSchema = Type.Object(
  {
    commandId: CommandId,
    stationId: StationId,
    operation: Operation,
    status: Type.Union(
      [
        Type.Literal('queued'),
        Type.Literal('sent'),
        Type.Literal('accepted'),
        Type.Literal('rejected'),
        Type.Literal('failed'),
        Type.Literal('expired'),
      ],
      {
        description:
          '`queued` (waiting; also after a failed delivery attempt), `sent` (on the wire), `accepted`/`rejected` ' +
          "(the station's answer), `failed` (no usable answer: fault, timeout, outcome unknown), `expired` (never sent).",
      },
    ),
    at: Type.String({ format: 'date-time', description: 'When the status changed (gateway clock).' }),
    attempts: Type.Integer({ minimum: 0, description: 'Delivery attempts so far.' }),
    ocppVersion: Type.Optional(Type.Union([Type.Literal('1.5'), Type.Literal('1.6')])),
    messageId: Type.Optional(Type.String({ description: 'WS-Addressing MessageID of the SOAP call.' })),
    response: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "The station's answer in its OCPP 1.6 form (1.5 answers converted).",
      }),
    ),
    error: Type.Optional(
      Type.Object(
        { code: Type.String(), message: Type.String() },
        {
          description: 'Why the command failed, or why the last delivery attempt did not reach the station.',
        },
      ),
    ),
  },
  { additionalProperties: false, title: 'Command updated' },
)

export const CommandUpdated = defineEvent({
  name: 'command.updated',
  version: 1,
  stream: Streams.COMMANDS,
  description:
    'A command changed status (queued after a failed attempt, sent, accepted, rejected, failed, expired); the ' +
    '`commands` table has the same record.',
  subject: 'cmd.{station}.{operation}.{status}',
  subjectParams: (e) => ({ station: e.stationId, operation: e.operation, status: e.status }),
  schema: CommandUpdatedSchema,
  examples: [
    {
      commandId: '0b6c2f5e-8f2a-4c1e-9d3b-5a7e1f2c3d40',
      stationId: 'CP-0001',
      operation: 'RemoteStartTransaction',
      status: 'accepted',
      at: '2026-11-26T10:00:01.250Z',
      attempts: 1,
      ocppVersion: '1.6',
      messageId: 'urn:uuid:6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
      response: { status: 'Accepted' },
    },
  ],
})

import { CONNECTOR_STATUSES, ID_TAG_STATUSES, REGISTRATION_STATUSES } from '@chargebus/db'
import { type TSchema, Type } from 'typebox'
import { AGGREGATE_PAGE } from '../../domain/aggregates.ts'
import { SCOPES } from '../../domain/api-keys.ts'
import { BUCKETS } from '../../domain/meter-buckets.ts'

/*
 * The TypeBox schemas of every request and response: Fastify validates and serializes with them, and
 * @fastify/swagger publishes them as the OpenAPI 3.1 document. Names given with `$id`-less `title`s show up
 * in the docs; field names are camelCase, times are RFC 3339 UTC strings.
 */

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
export const DateTime = (description: string) => Type.String({ format: 'date-time', description })
const NullableDateTime = (description: string) => Nullable(DateTime(description))

export const FieldErrorSchema = Type.Object(
  {
    name: Type.String({
      description: 'The field: query/path parameter name or body path (e.g. `scopes.0`).',
    }),
    reason: Type.String(),
  },
  { additionalProperties: false },
)

export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      description: 'URI of the problem type, e.g. urn:chargebus:problem:station-not-found.',
    }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String({ description: 'The request path.' }),
    code: Type.String({ description: 'Stable error code, e.g. API_ERR_STATION_NOT_FOUND.' }),
    errors: Type.Optional(
      Type.Array(FieldErrorSchema, { description: 'Validation errors: each bad field.' }),
    ),
  },
  { additionalProperties: false, title: 'Problem', description: 'RFC 9457 problem details.' },
)

const problemContent = {
  description: 'A problem (RFC 9457).',
  content: { 'application/problem+json': { schema: ProblemSchema } },
}

/** Response schemas of a route: its own plus problem+json for every 4xx and 5xx. */
export function responses<R extends Record<number, unknown>>(ok: R) {
  return { ...ok, '4xx': problemContent, '5xx': problemContent }
}

/** Responses of a read (GET): {@link responses} plus 304 for a matching If-None-Match. */
export function readResponses<R extends Record<number, unknown>>(ok: R) {
  return {
    ...responses(ok),
    304: Type.Null({ description: 'Not modified: If-None-Match names the current ETag.' }),
  }
}

const StationId = Type.String({ minLength: 1, maxLength: 255, description: 'Charge box identity.' })
export const StationParams = Type.Object({ stationId: StationId })
export const ConnectorParams = Type.Object({
  stationId: StationId,
  connectorId: Type.Integer({ minimum: 0, maximum: 1000, description: '0 is the station as a whole.' }),
})
export const SessionParams = Type.Object({
  sessionId: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The OCPP transaction id.' }),
})
const IdTagValue = Type.String({
  minLength: 1,
  maxLength: 20,
  description: 'OCPP IdToken (case-insensitive).',
})
export const IdTagParams = Type.Object({ idTag: IdTagValue })
export const ApiKeyParams = Type.Object({ keyId: Type.String({ format: 'uuid' }) })

/** Page size when `limit` is not given. */
export const DEFAULT_LIMIT = 50

export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 500,
      default: DEFAULT_LIMIT,
      description: 'Items per page (max 500).',
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'Opaque cursor from a previous page (`nextCursor`).',
    }),
  ),
}
export const TimeRange = {
  from: Type.Optional(DateTime('Inclusive lower bound.')),
  to: Type.Optional(DateTime('Exclusive upper bound.')),
}

export function Page<T extends TSchema>(item: T, title: string) {
  return Type.Object(
    {
      data: Type.Array(item),
      nextCursor: Nullable(Type.String({ description: 'Cursor of the next page; null on the last page.' })),
      next: Nullable(Type.String({ description: 'Path and query of the next page; null on the last page.' })),
    },
    { additionalProperties: false, title },
  )
}

export const ConnectorSchema = Type.Object(
  {
    connectorId: Type.Integer({ description: '0 is the station as a whole.' }),
    status: Type.String({ description: 'OCPP 1.6 ChargePointStatus.' }),
    errorCode: Type.String(),
    info: Nullable(Type.String()),
    vendorId: Nullable(Type.String()),
    vendorErrorCode: Nullable(Type.String()),
    statusAt: DateTime('When the status began (station clock, else receive time).'),
    meterRegisterWh: Nullable(
      Type.Number({ description: 'Newest Energy.Active.Import.Register reading (Wh).' }),
    ),
    meterRegisterAt: NullableDateTime('Time of that reading.'),
  },
  { additionalProperties: false, title: 'Connector' },
)

const StationFields = {
  id: Type.String(),
  vendor: Nullable(Type.String()),
  model: Nullable(Type.String()),
  serial: Nullable(Type.String()),
  firmwareVersion: Nullable(Type.String()),
  ocppVersion: Nullable(Type.Enum(['1.5', '1.6'])),
  registrationStatus: Type.Enum([...REGISTRATION_STATUSES]),
  registrationStatusAt: NullableDateTime('When the registration status was decided.'),
  firstSeenAt: NullableDateTime('First message received.'),
  lastSeenAt: NullableDateTime('Last message received.'),
  lastBootAt: NullableDateTime('Last BootNotification.'),
  heartbeatIntervalS: Nullable(Type.Integer()),
  offlineSince: NullableDateTime('Set while heartbeats are overdue.'),
  online: Type.Boolean({ description: 'Seen at least once and not declared offline.' }),
}

export const StationSchema = Type.Object(StationFields, { additionalProperties: false, title: 'Station' })
export const StationDetailSchema = Type.Object(
  { ...StationFields, connectors: Type.Array(ConnectorSchema) },
  { additionalProperties: false, title: 'StationDetail' },
)

export const StationListQuery = Type.Object(
  {
    registrationStatus: Type.Optional(Type.Enum([...REGISTRATION_STATUSES])),
    connectorStatus: Type.Optional(
      Type.Enum([...CONNECTOR_STATUSES], {
        description: 'Stations with at least one connector in this status.',
      }),
    ),
    vendor: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    lastSeenSince: Type.Optional(DateTime('Stations seen at or after this time.')),
    lastSeenBefore: Type.Optional(DateTime('Stations last seen before this time (or never).')),
    ...PageQuery,
  },
  { additionalProperties: false },
)

export const RegistrationBody = Type.Object(
  {
    status: Type.Enum(['Accepted', 'Rejected'], {
      description: 'The decision; the gateway answers the next BootNotification with it.',
    }),
  },
  { additionalProperties: false, title: 'RegistrationDecision' },
)

export const StatusEventSchema = Type.Object(
  {
    connectorId: Type.Integer(),
    status: Type.String(),
    errorCode: Type.String(),
    info: Nullable(Type.String()),
    vendorId: Nullable(Type.String()),
    vendorErrorCode: Nullable(Type.String()),
    statusAt: DateTime('When the status began.'),
    stationTimestamp: Type.Boolean({
      description: 'Whether statusAt is the station clock (else receive time).',
    }),
    receivedAt: DateTime('When the notification arrived.'),
  },
  { additionalProperties: false, title: 'StatusEvent' },
)
export const StatusEventQuery = Type.Object({ ...TimeRange, ...PageQuery }, { additionalProperties: false })

export const StationMessageQuery = Type.Object(
  {
    action: Type.Optional(
      Type.String({
        pattern: '^[A-Z][A-Za-z0-9]*$',
        maxLength: 64,
        description: 'OCPP action, e.g. `MeterValues`.',
      }),
    ),
    ...TimeRange,
    ...PageQuery,
  },
  { additionalProperties: false },
)

export const StationMessageSchema = Type.Object(
  {
    seq: Type.Integer({ description: 'Sequence in the OCPP_IN stream (the raw journal).' }),
    receivedAt: DateTime('When the gateway received it.'),
    ocppVersion: Type.Enum(['1.5', '1.6']),
    action: Type.String(),
    messageId: Nullable(
      Type.String({
        description:
          'WS-Addressing MessageID (for a stored message without one: a hash of the body; for a fault without one: null).',
      }),
    ),
    request: Nullable(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'The SOAP body as decoded, in its version; null for a fault (see `requestExcerpt`).',
      }),
    ),
    response: Nullable(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'The answer the gateway gave (OCPP 1.6 form); null for a fault.',
      }),
    ),
    fault: Nullable(
      Type.Object(
        {
          code: Type.String({ description: 'SOAP fault code (`Sender`, `Receiver`).' }),
          subcode: Nullable(Type.String()),
          reason: Type.String({ description: 'The fault text the station got.' }),
          errorCode: Nullable(Type.String({ description: 'Our error code (see the gateway README).' })),
        },
        { additionalProperties: false, description: 'The fault the station got instead of an answer.' },
      ),
    ),
    requestExcerpt: Nullable(
      Type.String({ description: 'For a fault: the request as received, cut at 2048 characters.' }),
    ),
    quirks: Type.Array(Type.String()),
    traceId: Nullable(Type.String({ description: 'W3C trace id from the stored `traceparent` header.' })),
  },
  { additionalProperties: false, title: 'StationMessage' },
)

export const SessionSchema = Type.Object(
  {
    id: Type.Integer({ description: 'The OCPP transaction id.' }),
    stationId: Type.String(),
    connectorId: Nullable(Type.Integer()),
    idTag: Nullable(Type.String()),
    idTagStatus: Nullable(Type.String()),
    state: Type.Enum(['active', 'completed', 'stop_only']),
    startedAt: NullableDateTime('Station clock.'),
    stoppedAt: NullableDateTime('Station clock.'),
    meterStartWh: Nullable(Type.Integer()),
    meterStopWh: Nullable(Type.Integer()),
    energyWh: Nullable(Type.Integer()),
    durationS: Nullable(Type.Integer()),
    stopReason: Nullable(Type.String({ description: 'As sent; null with a stop means Local.' })),
  },
  { additionalProperties: false, title: 'Session' },
)
export const SessionListQuery = Type.Object(
  {
    stationId: Type.Optional(StationId),
    idTag: Type.Optional(IdTagValue),
    from: Type.Optional(DateTime('Sessions starting (or, stop-only, stopping) at or after this time.')),
    to: Type.Optional(DateTime('... before this time.')),
    active: Type.Optional(
      Type.Boolean({ description: 'true: only active sessions; false: only finished ones.' }),
    ),
    ...PageQuery,
  },
  { additionalProperties: false },
)

export const MeterValueSchema = Type.Object(
  {
    sampledAt: DateTime('Station clock.'),
    connectorId: Type.Integer(),
    measurand: Type.String(),
    phase: Nullable(Type.String()),
    location: Type.String(),
    context: Type.String(),
    value: Nullable(Type.Number({ description: 'Normalised to unit; null when not a number.' })),
    unit: Nullable(Type.String({ description: 'Base unit (Wh, W, A, V, Celsius, ...).' })),
    valueRaw: Type.String({ description: 'As sent.' }),
    unitRaw: Type.String({ description: 'As sent.' }),
  },
  { additionalProperties: false, title: 'MeterValue' },
)
export const MeterBucketSchema = Type.Object(
  {
    bucketStart: DateTime('Start of the bucket (aligned to the Unix epoch).'),
    measurand: Type.String(),
    phase: Nullable(Type.String()),
    location: Type.String(),
    unit: Nullable(Type.String()),
    count: Type.Integer(),
    avg: Nullable(Type.Number({ description: 'Average (not for registers).' })),
    min: Nullable(Type.Number()),
    max: Nullable(Type.Number()),
    last: Nullable(Type.Number({ description: 'Newest value in the bucket (registers only).' })),
  },
  { additionalProperties: false, title: 'MeterBucket' },
)
export const MeterValueQuery = Type.Object(
  {
    ...TimeRange,
    measurand: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    bucket: Type.Optional(
      Type.Enum(Object.keys(BUCKETS), {
        description:
          'Downsample: one row per bucket, measurand, phase and location; avg/min/max, or last for registers (*.Register).',
      }),
    ),
    ...PageQuery,
  },
  { additionalProperties: false },
)
export const MeterValuePage = Type.Object(
  {
    data: Type.Array(Type.Union([MeterValueSchema, MeterBucketSchema])),
    nextCursor: Nullable(Type.String()),
    next: Nullable(Type.String()),
  },
  { additionalProperties: false, title: 'MeterValuePage' },
)

export const IdTagSchema = Type.Object(
  {
    idTag: Type.String(),
    status: Type.Enum([...ID_TAG_STATUSES]),
    expiryDate: NullableDateTime('After this the gateway answers Expired.'),
    parentIdTag: Nullable(Type.String()),
    note: Nullable(Type.String()),
    createdAt: DateTime('Created.'),
    updatedAt: DateTime('Last changed.'),
  },
  { additionalProperties: false, title: 'IdTag' },
)
export const IdTagCreateBody = Type.Object(
  {
    idTag: IdTagValue,
    status: Type.Optional(Type.Enum([...ID_TAG_STATUSES], { default: 'Accepted' })),
    expiryDate: Type.Optional(Nullable(DateTime('Expiry.'))),
    parentIdTag: Type.Optional(Nullable(IdTagValue)),
    note: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  },
  { additionalProperties: false, title: 'IdTagCreate' },
)
export const IdTagUpdateBody = Type.Object(
  {
    status: Type.Optional(Type.Enum([...ID_TAG_STATUSES])),
    expiryDate: Type.Optional(Nullable(DateTime('Expiry; null removes it.'))),
    parentIdTag: Type.Optional(Nullable(IdTagValue)),
    note: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  },
  { additionalProperties: false, minProperties: 1, title: 'IdTagUpdate' },
)
export const IdTagListQuery = Type.Object(
  { status: Type.Optional(Type.Enum([...ID_TAG_STATUSES])), ...PageQuery },
  { additionalProperties: false },
)

const Scopes = Type.Array(Type.Enum([...SCOPES]), { minItems: 1, maxItems: 4, uniqueItems: true })
export const ApiKeySchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    prefix: Type.String({ description: 'First characters of the key, to recognise it.' }),
    scopes: Scopes,
    createdAt: DateTime('Created.'),
    revokedAt: NullableDateTime('Revoked; a revoked key is refused.'),
  },
  { additionalProperties: false, title: 'ApiKey' },
)
export const CreatedApiKeySchema = Type.Object(
  {
    ...ApiKeySchema.properties,
    key: Type.String({ description: 'The key. Shown only in this answer: store it now.' }),
  },
  { additionalProperties: false, title: 'CreatedApiKey' },
)
export const ApiKeyCreateBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), scopes: Scopes },
  { additionalProperties: false, title: 'ApiKeyCreate' },
)

export const ExportQuery = Type.Object(
  {
    from: DateTime('Inclusive lower bound (required: exports are bounded).'),
    to: DateTime('Exclusive upper bound.'),
    station: Type.Optional(StationId),
  },
  { additionalProperties: false },
)

export const EVENTS_STREAMS = ['domain', 'aggregates'] as const
export type EventsStream = (typeof EVENTS_STREAMS)[number]

export const EventsStreamSchema = Type.Enum([...EVENTS_STREAMS], {
  description:
    'Which events: `domain` (default) station, connector and session events; `aggregates` the aggregate.updated hints of live dashboards. Event ids are sequences of that stream: resume with the same `stream`.',
})

export const EventsQuery = Type.Object(
  { station: Type.Optional(StationId), stream: Type.Optional(EventsStreamSchema) },
  { additionalProperties: false },
)

/** Stream and consumer names as the bus spells them: one subject token, so never a wildcard. */
const BusToken = (description: string) =>
  Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', maxLength: 64, description })

export const DeadLetterParams = Type.Object({
  id: Type.Integer({
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    description: "The dead letter's id: its sequence in the DEAD_LETTERS stream.",
  }),
})

export const DeadLetterListQuery = Type.Object(
  {
    stream: Type.Optional(BusToken('Logical stream of the failed message, e.g. `OCPP_IN`.')),
    consumer: Type.Optional(BusToken('The durable consumer that gave up on it, e.g. `ingest`.')),
    ...PageQuery,
  },
  { additionalProperties: false },
)

export const DeadLetterSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Sequence in the DEAD_LETTERS stream.' }),
    stream: Type.String({ description: 'Logical stream of the original message, e.g. `OCPP_IN`.' }),
    consumer: Type.String({ description: 'The durable consumer that gave up on it.' }),
    subject: Type.String({ description: 'Logical subject of the original.' }),
    streamSequence: Type.Integer({ description: 'Sequence of the original in its stream.' }),
    event: Nullable(
      Type.Object(
        { name: Type.String(), version: Type.Integer() },
        {
          additionalProperties: false,
          description: 'Catalog event the original claimed to be (its headers).',
        },
      ),
    ),
    msgId: Nullable(Type.String({ description: 'Nats-Msg-Id of the original.' })),
    headers: Type.Record(Type.String(), Type.Array(Type.String()), {
      description:
        'Headers of the original; credential headers (Authorization, cookies, tokens...) read `***`.',
    }),
    payload: Type.String({
      description: 'The original payload (see `payloadEncoding`), credentials masked (`***`).',
    }),
    payloadEncoding: Type.Enum(['utf8', 'base64', 'omitted', 'withheld'], {
      description:
        '`utf8` text; `base64` (not UTF-8, shown to admin keys only); `withheld`: not UTF-8, so it cannot be ' +
        'checked for credentials, and the key is not admin; `omitted`: too large to copy (it stays in its stream).',
    }),
    reason: Type.Enum(['max-deliveries', 'non-retryable', 'invalid-event', 'unknown-event']),
    error: Type.Object(
      {
        code: Nullable(Type.String({ description: 'Error code, when the error had one.' })),
        name: Type.String(),
        message: Type.String(),
      },
      { additionalProperties: false, description: 'The last error.' },
    ),
    deliveryCount: Type.Integer({ description: 'Deliveries, the last included.' }),
    maxDeliver: Type.Integer({ description: "The consumer's delivery limit." }),
    publishedAt: DateTime('When the original was stored.'),
    deadLetteredAt: DateTime('When the consumer gave up.'),
    redacted: Type.Boolean({
      description: 'Whether credentials were masked here (a retry sends the original, unmasked).',
    }),
  },
  { additionalProperties: false, title: 'DeadLetter' },
)

export const RetriedDeadLetterSchema = Type.Object(
  {
    id: Type.Integer(),
    stream: Type.String(),
    consumer: Type.String({ description: 'The consumer whose replay lane got the message.' }),
    laneSeq: Type.Integer({ description: 'Sequence of the copy in the REPLAY stream.' }),
  },
  { additionalProperties: false, title: 'RetriedDeadLetter' },
)

export const DroppedDeadLetterSchema = Type.Object(
  {
    id: Type.Integer(),
    subject: Type.String(),
    droppedBy: Type.String({ description: 'The API key that dropped it: `<name> (api key <id>)`.' }),
    droppedAt: DateTime('When.'),
  },
  { additionalProperties: false, title: 'DroppedDeadLetter' },
)

const AggregateRange = {
  from: DateTime('Inclusive: buckets that start at or after this instant.'),
  to: DateTime('Exclusive: buckets that start before this instant.'),
}
const INTERVAL_DOC =
  'hour: UTC hours; day and month: the station’s local days and months (its time zone, else the network default AGGREGATOR_TIME_ZONE), so a local day lasts 23, 24 or 25 hours across DST changes and rows of stations in different zones are separate buckets (see timeZone).'
const AggregateStation = Type.Optional(
  Type.String({ minLength: 1, maxLength: 255, description: 'Only this station (charge box identity).' }),
)
const AggregateLimit = Type.Optional(
  Type.Integer({
    minimum: 1,
    maximum: AGGREGATE_PAGE.max,
    default: AGGREGATE_PAGE.default,
    description: `Rows per page (max ${AGGREGATE_PAGE.max}).`,
  }),
)

/** The query of an aggregate listing (JSON) or export (CSV: no limit or cursor). */
function AggregateQuerySchema(intervals: readonly string[], groupBy: readonly string[], page: boolean) {
  return Type.Object(
    {
      interval: Type.Enum([...intervals], { description: INTERVAL_DOC }),
      groupBy: Type.Enum([...groupBy], {
        description: 'The dimension rows are grouped by (besides the bucket).',
      }),
      ...AggregateRange,
      stationId: AggregateStation,
      ...(page ? { limit: AggregateLimit, cursor: PageQuery.cursor } : {}),
    },
    { additionalProperties: false },
  )
}
export const EnergyQuery = AggregateQuerySchema(
  ['hour', 'day', 'month'],
  ['network', 'station', 'connector', 'idTag'],
  true,
)
export const UtilizationQuery = AggregateQuerySchema(
  ['day', 'month'],
  ['network', 'station', 'connector'],
  true,
)
export const FaultsQuery = AggregateQuerySchema(['day', 'month'], ['network', 'station', 'connector'], true)
export const EnergyExportQuery = AggregateQuerySchema(
  ['hour', 'day', 'month'],
  ['network', 'station', 'connector', 'idTag'],
  false,
)
export const UtilizationExportQuery = AggregateQuerySchema(
  ['day', 'month'],
  ['network', 'station', 'connector'],
  false,
)
export const FaultsExportQuery = AggregateQuerySchema(
  ['day', 'month'],
  ['network', 'station', 'connector'],
  false,
)

const BucketFields = {
  bucketStart: DateTime('First instant of the half-open bucket (UTC).'),
  localStart: Type.String({
    description: 'bucketStart as wall-clock time in timeZone (a local day starts at 00:00 local), no offset.',
  }),
  timeZone: Type.String({ description: "IANA zone the bucket was cut in ('UTC' for interval=hour)." }),
  stationId: Nullable(Type.String({ description: 'Null unless grouped by station or connector.' })),
  connectorId: Nullable(
    Type.Integer({ description: 'Null unless grouped by connector (0 = the station as a whole).' }),
  ),
}

export const EnergyRowSchema = Type.Object(
  {
    ...BucketFields,
    idTag: Nullable(Type.String({ description: 'Null unless grouped by idTag.' })),
    energyWh: Type.Integer({
      description: 'Energy delivered in the bucket (Wh), spread over buckets along the meter values.',
    }),
    sessionsStarted: Type.Integer(),
    sessionsCompleted: Type.Integer(),
  },
  { additionalProperties: false, title: 'EnergyAggregate' },
)
export const UtilizationRowSchema = Type.Object(
  {
    ...BucketFields,
    chargingMs: Type.Integer(),
    idleMs: Type.Integer({ description: 'Plugged in, not charging.' }),
    freeMs: Type.Integer({ description: 'Available or Reserved.' }),
    unavailableMs: Type.Integer(),
    faultedMs: Type.Integer(),
    unknownMs: Type.Integer({ description: 'No known status (neither up nor down).' }),
    availability: Nullable(
      Type.Number({
        description:
          'Time not Faulted or Unavailable over known time (the group’s times added first); null when nothing is known.',
      }),
    ),
    utilization: Nullable(
      Type.Number({ description: 'Charging over available time; null when never available.' }),
    ),
  },
  { additionalProperties: false, title: 'UtilizationAggregate' },
)
export const FaultRowSchema = Type.Object(
  {
    ...BucketFields,
    errorCode: Type.String({ description: 'OCPP ChargePointErrorCode.' }),
    vendorErrorCode: Type.String({ description: "'' when none was sent." }),
    faults: Type.Integer({ description: 'Faults that began in the bucket.' }),
  },
  { additionalProperties: false, title: 'FaultAggregate' },
)

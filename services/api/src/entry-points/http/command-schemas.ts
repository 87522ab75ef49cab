import { COMMAND_STATUSES, IDEMPOTENCY_KEY_PATTERN } from '@chargebus/events'
import { COMMAND_OPERATIONS, type CommandOperation, commandPayloadSchemas, isXmlText } from '@chargebus/ocpp'
import { Type } from 'typebox'
import { Compile, type Validator } from 'typebox/compile'
import type { FieldError } from '../../domain/errors.ts'
import { Nullable } from './schemas.ts'

const operations = Object.keys(COMMAND_OPERATIONS) as CommandOperation[]
const DateTime = (description: string) => Type.String({ format: 'date-time', description })

/** Longest `?wait`. */
export const MAX_WAIT_MS = 30_000

export const CommandBody = Type.Object(
  {
    operation: Type.Enum(operations, {
      description: 'OCPP ChargePointService operation (1.6 names; 1.5 stations get it converted).',
    }),
    // Optional with a default: the document said required while the route filled in `{}` (found by the
    // request fuzz test, whose oracle is the published schema).
    payload: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        default: {},
        description:
          'The OCPP 1.6 request of the operation (e.g. Reset: `{ "type": "Soft" }`), checked against its schema. ' +
          'SendLocalList without `localAuthorizationList` is built from the id tags; GetDiagnostics without ' +
          '`location` uploads to the configured location. Absent: `{}`.',
      }),
    ),
    idempotencyKey: Type.Optional(
      Type.String({
        pattern: IDEMPOTENCY_KEY_PATTERN,
        description:
          'Printable ASCII, up to 200 characters. A retried POST with the same key for the same station answers the same command and queues nothing new.',
      }),
    ),
    ttlSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 7 * 86_400,
        description:
          'Not sent after this many seconds (status `expired`). Default: the gateway’s default TTL.',
      }),
    ),
  },
  { additionalProperties: false, title: 'CommandRequest' },
)

export const CommandWaitQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.String({
        pattern: '^\\d{1,6}(ms|s)?$',
        description: `Wait up to this long (\`5s\`, \`500ms\`; at most ${MAX_WAIT_MS / 1000} s) for a final status; 200 when reached, else 202 with the current status.`,
      }),
    ),
  },
  { additionalProperties: false },
)

export const CommandParams = Type.Object({ commandId: Type.String({ format: 'uuid' }) })

export const CommandListQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum([...COMMAND_STATUSES])),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Items per page.' }),
    ),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'From `nextCursor`.' })),
  },
  { additionalProperties: false },
)

export const CommandSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    stationId: Type.String(),
    operation: Type.String(),
    status: Type.Enum([...COMMAND_STATUSES], {
      description:
        '`queued` (waiting; also after an attempt that did not reach the station), `sent`, `accepted`/`rejected` ' +
        "(the station's answer), `failed` (no usable answer; never resent), `expired` (never sent).",
    }),
    payload: Type.Record(Type.String(), Type.Unknown()),
    idempotencyKey: Nullable(Type.String()),
    origin: Type.String({
      description: '`api`, or `system` (the gateway itself, e.g. GetConfiguration after a boot).',
    }),
    requestedBy: Nullable(Type.String()),
    requestedAt: DateTime('When it was requested.'),
    expiresAt: Nullable(DateTime('Not sent after this.')),
    attempts: Type.Integer({ description: 'Calls made to the station.' }),
    ocppVersion: Nullable(Type.String()),
    messageId: Nullable(Type.String({ description: 'WS-Addressing MessageID of the (last) call.' })),
    sentAt: Nullable(DateTime('When the (last) call was made.')),
    completedAt: Nullable(DateTime('When it reached its final status.')),
    nextAttemptAt: Nullable(DateTime('When the next attempt is due (unreachable station).')),
    response: Nullable(
      Type.Record(Type.String(), Type.Unknown(), { description: "The station's answer (OCPP 1.6 form)." }),
    ),
    error: Nullable(
      Type.Object(
        { code: Type.String(), message: Type.String() },
        { description: 'Why it failed, or why the last attempt did not reach the station (COMMAND_ERR_*).' },
      ),
    ),
    uploads: Type.Optional(
      Type.Array(
        Type.Object(
          {
            fileId: Type.String({ format: 'uuid' }),
            name: Type.String(),
            size: Type.Integer(),
            sha256: Type.String(),
            receivedAt: DateTime('When the FTP edge stored it.'),
          },
          { additionalProperties: false },
        ),
        {
          description:
            "GET of one command only: the files the station uploaded with this command's one-time FTP credentials (GetDiagnostics without a location), oldest first.",
        },
      ),
    ),
  },
  { additionalProperties: false, title: 'Command' },
)

export const CommandPage = Type.Object(
  {
    data: Type.Array(CommandSchema),
    nextCursor: Nullable(Type.String()),
    next: Nullable(Type.String()),
  },
  { additionalProperties: false, title: 'CommandPage' },
)

const validators = new Map<CommandOperation, Validator>()

/** What a schema cannot say: UpdateFirmware names exactly one source. */
function operationRuleErrors(operation: CommandOperation, payload: Record<string, unknown>): FieldError[] {
  if (operation === 'UpdateFirmware' && (payload.location === undefined) === (payload.firmware === undefined))
    return [{ name: 'payload.location', reason: 'give exactly one of location and firmware' }]
  return []
}

/**
 * Text the SOAP call cannot carry (control characters, lone UTF-16 surrogates, which JSON can spell as `"\ud800"`):
 * refused here, not after the 202 when the gateway encodes the call (found by fuzzing the codec).
 */
function textErrors(value: unknown, path: readonly string[]): FieldError[] {
  if (typeof value === 'string')
    return isXmlText(value)
      ? []
      : [{ name: ['payload', ...path].join('.'), reason: 'contains characters XML cannot carry' }]
  if (Array.isArray(value)) return value.flatMap((v, i) => textErrors(v, [...path, String(i)]))
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => textErrors(v, [...path, k]))
  return []
}

/** Every way `payload` breaks the operation's 1.6 request schema, as field errors (`payload.type`). */
export function payloadErrors(operation: CommandOperation, payload: unknown): FieldError[] {
  let validator = validators.get(operation)
  if (validator === undefined) {
    validator = Compile(commandPayloadSchemas[operation]) as unknown as Validator
    validators.set(operation, validator)
  }
  if (validator.Check(payload))
    return [...textErrors(payload, []), ...operationRuleErrors(operation, payload as Record<string, unknown>)]
  const errors = new Map<string, FieldError>()
  for (const e of validator.Errors(payload)) {
    if (e.keyword === 'anyOf' || e.keyword === 'boolean') continue
    const path = e.instancePath
      .split('/')
      .filter((p) => p !== '')
      .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    const params = e.params as { requiredProperties?: string[]; additionalProperties?: string[] }
    let reason = e.message
    if (e.keyword === 'required' && params.requiredProperties?.[0] !== undefined) {
      path.push(params.requiredProperties[0])
      reason = 'is required'
    } else if (e.keyword === 'additionalProperties' && params.additionalProperties?.[0] !== undefined) {
      path.push(params.additionalProperties[0])
      reason = 'is not a field of this operation'
    }
    const name = ['payload', ...path].join('.')
    if (!errors.has(name)) errors.set(name, { name, reason })
  }
  if (errors.size === 0)
    errors.set('payload', { name: 'payload', reason: `is not a valid ${operation} request` })
  return [...errors.values()]
}

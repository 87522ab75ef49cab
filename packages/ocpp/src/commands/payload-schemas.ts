import { type TObject, Type } from 'typebox'
import { ocppServices } from '../messages/catalog.ts'
import { COMMAND_OPERATIONS, type CommandOperation } from './operations.ts'

/*
 * What a command payload may be, for whoever queues commands (the API): the OCPP 1.6 ChargePointService
 * request schema of each operation, with two fields the gateway's dispatcher fills itself made optional.
 */

const requests = ocppServices['1.6'].chargePoint.operations as unknown as Record<
  CommandOperation,
  { request: TObject }
>

function withOptional(schema: TObject, keys: readonly string[], description: string): TObject {
  const properties = { ...schema.properties }
  for (const key of keys) {
    const property = properties[key]
    if (property !== undefined) properties[key] = Type.Optional(property)
  }
  return Type.Object(properties, { additionalProperties: false, description })
}

/**
 * The payload schema of every command operation (19, OCPP 1.6 form; 1.5 stations get it converted):
 * `SendLocalList` without `localAuthorizationList` is built from `id_tags` when it is sent (`listVersion`
 * defaults to the station's last accepted version + 1); `GetDiagnostics` without `location` uploads to
 * the gateway's `OCPP_DIAGNOSTICS_LOCATION`.
 *
 * ### Examples
 * ```ts
 * import { Compile } from 'typebox/compile'
 * Compile(commandPayloadSchemas.Reset).Check({ type: 'Soft' }) // true
 * ```
 */
export const commandPayloadSchemas: Readonly<Record<CommandOperation, TObject>> = Object.fromEntries(
  (Object.keys(COMMAND_OPERATIONS) as CommandOperation[]).map((op) => {
    const schema = requests[op].request
    if (op === 'SendLocalList')
      return [
        op,
        withOptional(
          schema,
          ['listVersion'],
          'Without localAuthorizationList the list is built from id_tags (Full: every tag; Differential: changes since the list the station accepted last); listVersion defaults to the last accepted one + 1.',
        ),
      ]
    if (op === 'GetDiagnostics')
      return [op, withOptional(schema, ['location'], 'Without location: the configured upload location.')]
    return [op, schema]
  }),
) as Record<CommandOperation, TObject>

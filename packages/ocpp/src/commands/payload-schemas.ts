import { type TObject, type TSchema, Type } from 'typebox'
import { ocppServices } from '../messages/catalog.ts'
import { COMMAND_OPERATIONS, type CommandOperation } from './operations.ts'

/*
 * What a command payload may be, for whoever queues commands (the API): the OCPP 1.6 ChargePointService
 * request schema of each operation, with the fields the gateway's dispatcher fills itself made optional (and
 * UpdateFirmware's `firmware`, which the dispatcher turns into a location).
 */

const requests = ocppServices['1.6'].chargePoint.operations as unknown as Record<
  CommandOperation,
  { request: TObject }
>

function withOptional(
  schema: TObject,
  keys: readonly string[],
  description: string,
  extra: Record<string, TSchema> = {},
): TObject {
  const properties: Record<string, TSchema> = { ...schema.properties }
  for (const key of keys) {
    const property = properties[key]
    if (property !== undefined) properties[key] = Type.Optional(property)
  }
  for (const [key, property] of Object.entries(extra)) properties[key] = Type.Optional(property)
  return Type.Object(properties, { additionalProperties: false, description })
}

/**
 * The payload schema of every command operation (19, OCPP 1.6 form; 1.5 stations get it converted):
 * `SendLocalList` without `localAuthorizationList` is built from `id_tags` when it is sent (`listVersion`
 * defaults to the station's last accepted version + 1); `GetDiagnostics` without `location` uploads to
 * the gateway's `OCPP_DIAGNOSTICS_LOCATION` or, unset, to the FTP edge with one-time credentials;
 * `UpdateFirmware` names either a `location` or a catalogued `firmware` image (served by the FTP edge).
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
      return [
        op,
        withOptional(
          schema,
          ['location'],
          "Without location: the gateway's OCPP_DIAGNOSTICS_LOCATION, else one-time credentials for this command on the FTP edge (OCPP_FTP_URL).",
        ),
      ]
    if (op === 'UpdateFirmware')
      return [
        op,
        withOptional(
          schema,
          ['location'],
          'Exactly one of location (any server the station can reach) and firmware (a catalogued image, downloaded from the FTP edge with one-time credentials).',
          {
            firmware: Type.String({
              minLength: 1,
              maxLength: 128,
              description:
                'Name of an image in the firmware catalogue (`/v1/firmware`): the gateway sends the station an ftp:// location on the FTP edge with credentials for this command only.',
            }),
          },
        ),
      ]
    return [op, schema]
  }),
) as Record<CommandOperation, TObject>

import type { TObject } from 'typebox'
import { OcppEncodeError } from '../errors.ts'
import { ocppServices, type ServiceRole } from '../messages/catalog.ts'
import type { OcppVersion, SoapVersion } from '../namespaces.ts'
import { requestElementName, responseElementName } from '../xsd/xsd-types.ts'
import { type AddressingOut, type EncodedMessage, soapContentType, writeEnvelope } from './envelope-writer.ts'
import { serializeBody } from './serialize-body.ts'

type MessageKind = 'request' | 'response'

const elementName: Record<MessageKind, (operation: string) => string> = {
  request: requestElementName,
  response: responseElementName,
}

export interface EncodeOperationInput {
  readonly role: ServiceRole
  readonly kind: MessageKind
  readonly soapVersion: SoapVersion
  readonly ocppVersion: OcppVersion
  readonly operation: string
  readonly payload: unknown
  /** The error text when the service has no such operation. */
  readonly unknownOperation: (serviceName: string) => string
  /** WS-Addressing headers besides Action. */
  readonly addressing: Omit<AddressingOut, 'action'>
  /** Headers written before WS-Addressing, given the service's namespace (e.g. chargeBoxIdentity). */
  readonly extraHeaders?: (namespace: string) => string
}

/**
 * The one envelope-building path of `encodeRequest`/`encodeResponse` and their station-side twins: looks up the
 * operation's schema, serializes the body in schema order (throws `OcppEncodeError` when the payload breaks it),
 * then writes the envelope with wsa:Action `/Xxx` (request) or `/XxxResponse` (response).
 */
export function encodeOperation(input: EncodeOperationInput): EncodedMessage {
  const service = ocppServices[input.ocppVersion][input.role]
  const schemas = (service.operations as Record<string, Record<MessageKind, TObject>>)[input.operation]
  if (!schemas) throw new OcppEncodeError(input.operation, input.unknownOperation(service.name))
  const action = input.kind === 'request' ? `/${input.operation}` : `/${input.operation}Response`
  const bodyXml = serializeBody(
    schemas[input.kind],
    elementName[input.kind](input.operation),
    service.namespace,
    input.payload,
  )
  return {
    body: writeEnvelope(
      input.soapVersion,
      { action, ...input.addressing },
      bodyXml,
      input.extraHeaders?.(service.namespace),
    ),
    contentType: soapContentType(input.soapVersion, action),
    action,
  }
}

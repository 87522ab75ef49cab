export { commandRefusal } from './commands/capabilities.ts'
export { COMMAND_OPERATIONS, type CommandOperation, type FeatureProfile } from './commands/operations.ts'
export { commandPayloadSchemas } from './commands/payload-schemas.ts'
export {
  isPrivilegedCommand,
  isSecretConfigurationKey,
  MASK,
  maskCommandPayload,
  maskCommandResponse,
  maskUrlPassword,
  SECRET_CONFIGURATION_KEYS,
} from './commands/secrets.ts'
/**
 * @chargebus/ocpp: OCPP 1.5/1.6 over SOAP. Message schemas (TypeBox, generated from the OCA WSDLs), a strict
 * and fast SOAP codec for both directions, SOAP faults, 1.5 <-> 1.6 converters and our own WSDLs.
 */
export {
  ERROR_CODE_V15_TO_V16,
  fromV16Response,
  STATUS_V15_TO_V16,
  toV16Request,
} from './converters/central-system.ts'
export { fromV16Request, toV16Response, type V15RequestOf } from './converters/charge-point.ts'
export { UNIT_V15_TO_V16 } from './converters/meter-values.ts'
export {
  ERROR_CODE_V16_TO_V15,
  fromV16CpResponse,
  fromV16CsRequest,
  STATUS_V16_TO_V15,
  toV16CpRequest,
  toV16CsResponse,
} from './converters/station-side.ts'
export * from './errors.ts'
export {
  type CpOperation,
  type CpRequest,
  type CpResponse,
  type CsOperation,
  type CsRequest,
  type CsResponse,
  ocppServices,
  type ServiceRole,
} from './messages/catalog.ts'
export * as v15 from './messages/v15/index.ts'
export * as v16 from './messages/v16/index.ts'
export {
  OCPP_VERSIONS,
  type OcppVersion,
  SOAP11_NS,
  SOAP12_NS,
  type SoapVersion,
  WSA_ANONYMOUS,
  WSA_NS,
} from './namespaces.ts'
export { type Quirk, type QuirkCode, QuirkCodes } from './quirks.ts'
export {
  type CpRequestOf,
  type CsRequestOf,
  type DecodedCpRequest,
  type DecodedCsRequest,
  type DecodeRequestOptions,
  decodeCpRequest,
  decodeRequest,
} from './soap/decode-request.ts'
export {
  type DecodeCsResponseExpectation,
  type DecodedCpResponse,
  type DecodedCsResponse,
  type DecodeResponseExpectation,
  decodeCsResponse,
  decodeResponse,
} from './soap/decode-response.ts'
export {
  type EncodeCsRequestInput,
  type EncodedRequest,
  type EncodeRequestInput,
  encodeCsRequest,
  encodeRequest,
} from './soap/encode-request.ts'
export {
  type EncodeCpResponseInput,
  type EncodeResponseInput,
  encodeCpResponse,
  encodeResponse,
} from './soap/encode-response.ts'
export type { Addressing } from './soap/envelope-parser.ts'
export type { EncodedMessage } from './soap/envelope-writer.ts'
export { type EncodedFault, encodeFault, type FaultInput, faultForError } from './soap/faults.ts'
export { centralSystemWsdl, chargePointWsdl } from './wsdl.ts'
export { decodeXmlBody } from './xml/decode-body.ts'
export { isXmlText } from './xml/escape.ts'
export type { ServiceDefinition } from './xsd/xsd-types.ts'

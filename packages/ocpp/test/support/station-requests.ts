import fc from 'fast-check'
import { type EncodedRequest, encodeCsRequest } from '../../src/index.ts'
import { identity, payloadOf } from './arbitraries.ts'
import { operationSchemas } from './operation-cases.ts'

/**
 * A valid station request (CentralSystemService) of any operation of either version, as our own station encoder
 * writes it: the starting point of the mutation fuzz tests (codec and gateway).
 */
export const stationRequest: fc.Arbitrary<EncodedRequest> = fc
  .constantFrom(...operationSchemas('centralSystem'))
  .chain(([version, operation, schemas]) =>
    fc.tuple(payloadOf(schemas.request), identity).map(([payload, chargeBoxIdentity]) =>
      encodeCsRequest({
        ocppVersion: version,
        operation: operation as 'Heartbeat',
        payload: payload as never,
        chargeBoxIdentity,
        to: 'http://127.0.0.1:3100/ocpp',
        from: 'http://10.0.0.5:8080/cp',
      }),
    ),
  )

import type { Static, TSchema } from 'typebox'
import type { OcppVersion } from '../namespaces.ts'
import type { ServiceDefinition } from '../xsd/xsd-types.ts'
import { centralSystemService as cs15 } from './v15/central-system.ts'
import { chargePointService as cp15 } from './v15/charge-point.ts'
import { centralSystemService as cs16 } from './v16/central-system.ts'
import { chargePointService as cp16 } from './v16/charge-point.ts'

/**
 * Every OCPP SOAP service we speak, by version: `centralSystem` is what stations call on us, `chargePoint` what
 * we call on stations.
 *
 * ### Examples
 * ```ts
 * ocppServices['1.6'].centralSystem.operations.BootNotification.request // TypeBox schema
 * ```
 */
export const ocppServices = {
  '1.5': { centralSystem: cs15, chargePoint: cp15 },
  '1.6': { centralSystem: cs16, chargePoint: cp16 },
} as const

type Services = typeof ocppServices

/**
 * Which side of OCPP-S a message belongs to: `centralSystem` (CentralSystemService: stations call the central
 * system) or `chargePoint` (ChargePointService: the central system calls stations).
 */
export type ServiceRole = 'centralSystem' | 'chargePoint'
type CsOps<V extends OcppVersion> = Services[V]['centralSystem']['operations']
type CpOps<V extends OcppVersion> = Services[V]['chargePoint']['operations']

/** Operations stations call on the central system (`'BootNotification' | 'Heartbeat' | ...`). */
export type CsOperation<V extends OcppVersion = OcppVersion> = keyof CsOps<V> & string
/** Operations the central system calls on stations (`'Reset' | 'RemoteStartTransaction' | ...`). */
export type CpOperation<V extends OcppVersion = OcppVersion> = keyof CpOps<V> & string

type RequestOf<T> = T extends { request: infer S extends TSchema } ? Static<S> : never
type ResponseOf<T> = T extends { response: infer S extends TSchema } ? Static<S> : never

/** The payload type of a station's request, e.g. `CsRequest<'1.6', 'BootNotification'>`. */
export type CsRequest<V extends OcppVersion, O extends CsOperation<V>> = RequestOf<CsOps<V>[O]>
/** The payload type of our answer to a station's request. */
export type CsResponse<V extends OcppVersion, O extends CsOperation<V>> = ResponseOf<CsOps<V>[O]>
/** The payload type of our call to a station, e.g. `CpRequest<'1.6', 'Reset'>`. */
export type CpRequest<V extends OcppVersion, O extends CpOperation<V>> = RequestOf<CpOps<V>[O]>
/** The payload type of a station's reply to our call. */
export type CpResponse<V extends OcppVersion, O extends CpOperation<V>> = ResponseOf<CpOps<V>[O]>

/** Which service of which version a namespace belongs to. */
export interface NamespaceOwner {
  readonly version: OcppVersion
  readonly service: ServiceDefinition
}

/** Every OCPP namespace (CS and CP of both versions) -> its owner. */
export const servicesByNamespace: ReadonlyMap<string, NamespaceOwner> = new Map(
  (Object.keys(ocppServices) as OcppVersion[]).flatMap((version) => {
    const { centralSystem, chargePoint } = ocppServices[version]
    return [centralSystem, chargePoint].map((service): [string, NamespaceOwner] => [
      service.namespace,
      { version, service: service as ServiceDefinition },
    ])
  }),
)

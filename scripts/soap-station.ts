/**
 * A second independent station for `pnpm interop`: a CentralSystemService client built by the `soap` npm package
 * (the stack ev-server and most Node OCPP-S code use) from the OCA's official WSDLs in ../shared/spec/ocpp, read
 * at run time. Nothing here comes from our codec: the WSDL drives serialization and parsing, the payloads are
 * written in the WSDL's element order, and only the headers the `soap` client cannot write (chargeBoxIdentity and
 * WS-Addressing, see ../shared/tools/ocpp-station/README.md, "Calling stations with the soap client") are added,
 * as a header function evaluated per call. It runs one charging session and checks each reply: no fault, the
 * statuses a session needs, and wsa:RelatesTo = our MessageID.
 */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import * as soap from 'soap'

/** `../shared/spec/ocpp` beside the repository, or OCPP_SPEC_DIR. */
export const SPEC_DIR =
  process.env.OCPP_SPEC_DIR ?? join(import.meta.dirname, '..', '..', 'shared', 'spec', 'ocpp')

const WSDL: Record<SoapStationVersion, { file: string; namespace: string }> = {
  '1.5': {
    file: join('1.5', 'ocpp_centralsystemservice_1.5_final.wsdl'),
    namespace: 'urn://Ocpp/Cs/2012/06/',
  },
  '1.6': { file: join('1.6', 'OCPP_CentralSystemService_1.6.wsdl'), namespace: 'urn://Ocpp/Cs/2015/10/' },
}
const WSA = 'http://www.w3.org/2005/08/addressing'

export type SoapStationVersion = '1.5' | '1.6'

/** The official WSDL files this station needs; the first missing one, or undefined when all are there. */
export function missingWsdl(): string | undefined {
  for (const v of Object.values(WSDL)) {
    const path = join(SPEC_DIR, v.file)
    if (!existsSync(path)) return path
  }
  return undefined
}

export interface SoapSessionOptions {
  readonly version: SoapStationVersion
  /** The gateway's endpoint, e.g. http://127.0.0.1:3100/ocpp/1.6. */
  readonly url: string
  readonly stationId: string
  readonly idTag: string
  readonly meterStart: number
  /** Register readings sent as MeterValues between start and stop, in Wh, rising. */
  readonly readings: readonly number[]
}

export interface SoapSessionReport {
  readonly transactionId: number
  readonly meterStart: number
  readonly meterStop: number
  readonly calls: number
}

type SoapClient = soap.Client &
  Record<
    string,
    (args: unknown) => Promise<[Record<string, unknown>, string, Record<string, unknown> | undefined]>
  >

const text = (v: unknown): string | undefined =>
  v && typeof v === 'object' ? (v as { $value?: string }).$value : (v as string | undefined)

/**
 * One client per station: `addSoapHeader` and the endpoint are client-global in `soap`, so sharing a client
 * between stations mixes their identities. The header function writes a fresh MessageID per call and remembers it
 * for the RelatesTo check.
 */
async function stationClient(opts: SoapSessionOptions) {
  const { file, namespace } = WSDL[opts.version]
  const client = (await soap.createClientAsync(join(SPEC_DIR, file), {
    forceSoap12Headers: true,
    endpoint: opts.url,
  })) as SoapClient
  let messageId = ''
  // The client calls a header function with (operation description, location, soapAction, args); the WSDL's
  // soapAction is OCPP's wsa:Action (`/BootNotification`).
  client.addSoapHeader((_method: unknown, _location: string, soapAction: string) => {
    messageId = `urn:uuid:${randomUUID()}`
    return (
      `<cs:chargeBoxIdentity xmlns:cs="${namespace}">${opts.stationId}</cs:chargeBoxIdentity>` +
      `<wsa:Action xmlns:wsa="${WSA}">${soapAction}</wsa:Action>` +
      `<wsa:MessageID xmlns:wsa="${WSA}">${messageId}</wsa:MessageID>` +
      `<wsa:To xmlns:wsa="${WSA}">${opts.url}</wsa:To>` +
      `<wsa:ReplyTo xmlns:wsa="${WSA}"><wsa:Address>${WSA}/anonymous</wsa:Address></wsa:ReplyTo>`
    )
  })
  let calls = 0
  /** Calls an operation and checks the reply's WS-Addressing; a SOAP fault rejects with its reason. */
  const call = async (operation: string, args: unknown): Promise<Record<string, unknown>> => {
    const method = client[`${operation}Async`]
    if (!method) throw new Error(`the ${opts.version} WSDL has no operation ${operation}`)
    let reply: Awaited<ReturnType<typeof method>>
    try {
      reply = await method.call(client, args)
    } catch (err) {
      const fault = (err as { root?: { Envelope?: { Body?: { Fault?: unknown } } } }).root?.Envelope?.Body
        ?.Fault
      const message = (err as Error).message
      throw new Error(`${operation}: ${JSON.stringify(fault ?? message ?? String(err))}`)
    }
    calls++
    const [result, , header] = reply
    const relatesTo = text(header?.RelatesTo)
    if (relatesTo !== messageId)
      throw new Error(`${operation}: wsa:RelatesTo ${relatesTo} is not our MessageID ${messageId}`)
    const action = text(header?.Action)
    if (action !== `/${operation}Response`) throw new Error(`${operation}: wsa:Action ${action}`)
    return result ?? {}
  }
  return { call, calls: () => calls }
}

function expectStatus(operation: string, got: unknown, want: string): void {
  if (got !== want) throw new Error(`${operation}: status ${JSON.stringify(got)}, expected ${want}`)
}

/** A 1.6 sampled value, or a 1.5 `value` with its attributes, of the energy register in Wh. */
function register(version: SoapStationVersion, wh: number, context: string) {
  if (version === '1.6')
    return {
      sampledValue: [
        {
          value: String(wh),
          context,
          measurand: 'Energy.Active.Import.Register',
          location: 'Outlet',
          unit: 'Wh',
        },
      ],
    }
  return {
    value: [
      {
        attributes: { context, measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'Wh' },
        $value: String(wh),
      },
    ],
  }
}

/**
 * Boot, authorize, start, send meter values, stop: one session as a 1.5 or 1.6 station, every payload in the
 * WSDL's element order with ISO timestamps (the `soap` package writes a `Date` as an empty element).
 */
export async function runSoapSession(opts: SoapSessionOptions): Promise<SoapSessionReport> {
  const { version } = opts
  const station = await stationClient(opts)
  const now = () => new Date().toISOString()
  const boot = await station.call('BootNotification', {
    chargePointVendor: 'soap-npm',
    chargePointModel: `interop-${version}`,
  })
  expectStatus('BootNotification', boot.status, 'Accepted')
  const auth = await station.call('Authorize', { idTag: opts.idTag })
  expectStatus('Authorize', (auth.idTagInfo as { status?: string })?.status, 'Accepted')
  const occupied = version === '1.6' ? 'Preparing' : 'Occupied'
  await station.call('StatusNotification', {
    connectorId: 1,
    status: occupied,
    errorCode: 'NoError',
    timestamp: now(),
  })
  const start = await station.call('StartTransaction', {
    connectorId: 1,
    idTag: opts.idTag,
    timestamp: now(),
    meterStart: opts.meterStart,
  })
  expectStatus('StartTransaction', (start.idTagInfo as { status?: string })?.status, 'Accepted')
  const transactionId = Number(start.transactionId)
  if (!Number.isInteger(transactionId) || transactionId <= 0)
    throw new Error(`StartTransaction: transactionId ${JSON.stringify(start.transactionId)}`)
  const valuesKey = version === '1.6' ? 'meterValue' : 'values'
  for (const wh of opts.readings) {
    await station.call('MeterValues', {
      connectorId: 1,
      transactionId,
      [valuesKey]: [{ timestamp: now(), ...register(version, wh, 'Sample.Periodic') }],
    })
  }
  const meterStop = opts.readings.at(-1) ?? opts.meterStart
  const end = { timestamp: now(), ...register(version, meterStop, 'Transaction.End') }
  await station.call('StopTransaction', {
    transactionId,
    idTag: opts.idTag,
    timestamp: now(),
    meterStop,
    ...(version === '1.6'
      ? { reason: 'Local', transactionData: [end] }
      : { transactionData: [{ values: [end] }] }),
  })
  await station.call('StatusNotification', {
    connectorId: 1,
    status: 'Available',
    errorCode: 'NoError',
    timestamp: now(),
  })
  return { transactionId, meterStart: opts.meterStart, meterStop, calls: station.calls() }
}

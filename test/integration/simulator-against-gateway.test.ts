import type { AddressInfo } from 'node:net'
import { decodeResponse, encodeRequest, OcppFaultResponseError } from '@chargebus/ocpp'
import { DEFAULT_FLEET_OPTIONS, type FleetOptions, startFleet } from '@chargebus/simulator'
import { startTestGateway, type TestGateway } from '../../services/ocpp-gateway/test/support/gateway.ts'

/*
 * The simulator against the REAL gateway (buildApp, real NATS and Postgres through pgbouncer, its own bus
 * namespace), listening on an ephemeral port: what the gateway stored on OCPP_IN is what a real station would
 * have sent, and the station obeys a real SOAP RemoteStartTransaction on its ChargePointService endpoint.
 */

let gw: TestGateway
let base: string

beforeAll(async () => {
  gw = await startTestGateway()
  await gw.putIdTag('SIM-TAG', { status: 'Accepted' })
  await gw.putIdTag('REMOTE-TAG', { status: 'Accepted' })
  await gw.app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(gw.app.server.address() as AddressInfo).port}`
})
afterAll(() => gw?.close())

function options(update: Partial<FleetOptions>): FleetOptions {
  return { ...DEFAULT_FLEET_OPTIONS, stations: 1, profile: 'burst', durationS: 30, drainS: 10, ...update }
}

async function storedFor(stationId: string) {
  return (await gw.stored()).filter((m) => m.data.stationId === stationId).map((m) => m.data)
}

/** The 1.6 form of a stored request (1.5 messages carry it in normalizedPayload). */
const form16 = (m: { payload: Record<string, unknown>; normalizedPayload?: Record<string, unknown> }) =>
  (m.normalizedPayload ?? m.payload) as Record<string, unknown> & {
    transactionId?: number
    meterStart?: number
    meterStop?: number
    idTag?: string
    status?: string
    reason?: string
    meterValue?: { sampledValue: { value: string; measurand?: string }[] }[]
    transactionData?: { sampledValue: { value: string; context?: string }[] }[]
  }

async function eventually<T>(get: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await get()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe.each(['1.6', '1.5'] as const)('OCPP %s', (version) => {
  test('a simulated station completes a session; the gateway stored it in order, consistently', async () => {
    const prefix = `BS${version.replace('.', '')}`
    const fleet = await startFleet(
      options({ ocppVersion: version, url: `${base}/ocpp/${version}`, idPrefix: prefix }),
    )
    const id = fleet.ids[0] as string
    const summary = await fleet.done

    expect(summary.failed).toEqual({ total: 0, byReason: {} })
    expect(summary.sessions.completed).toBe(1)
    const stored = await storedFor(id)
    expect(stored.map((m) => m.action)).toEqual([
      'BootNotification',
      'StatusNotification',
      'StatusNotification',
      'Authorize',
      'StartTransaction',
      'StatusNotification',
      'MeterValues',
      'MeterValues',
      'MeterValues',
      'StopTransaction',
      'StatusNotification',
      'StatusNotification',
    ])
    expect(stored.every((m) => m.ocppVersion === version && m.from === fleet.urlOf(id))).toBe(true)
    expect(new Set(stored.map((m) => m.messageId)).size).toBe(stored.length)
    expect(stored.filter((m) => m.action === 'StatusNotification').map((m) => form16(m).status)).toEqual(
      version === '1.6'
        ? ['Available', 'Preparing', 'Charging', 'Finishing', 'Available']
        : // 1.5 says Occupied for every in-use state; the gateway reads it as Charging
          ['Available', 'Charging', 'Charging', 'Charging', 'Available'],
    )

    const start = stored.find((m) => m.action === 'StartTransaction')
    const transactionId = start?.response?.transactionId as number
    expect(transactionId).toBeGreaterThan(0)
    expect(form16(start ?? { payload: {} }).idTag).toBe('SIM-TAG')
    const meterStart = form16(start ?? { payload: {} }).meterStart as number

    const meterValues = stored.filter((m) => m.action === 'MeterValues').map(form16)
    const registers = meterValues.map((p) => {
      expect(p.transactionId).toBe(transactionId)
      const sampled = p.meterValue?.[0]?.sampledValue ?? []
      expect(sampled.map((s) => s.measurand)).toEqual(
        expect.arrayContaining([
          'Energy.Active.Import.Register',
          'Power.Active.Import',
          'Current.Import',
          'Voltage',
        ]),
      )
      return Number(sampled.find((s) => s.measurand === 'Energy.Active.Import.Register')?.value)
    })
    expect(registers[0]).toBeGreaterThan(meterStart)
    expect(registers).toEqual([...registers].sort((a, b) => a - b))
    expect(new Set(registers).size).toBe(registers.length)

    const stop = form16(stored.find((m) => m.action === 'StopTransaction') ?? { payload: {} })
    expect(stop.transactionId).toBe(transactionId)
    expect(stop.meterStop).toBe(registers.at(-1))
    expect(stop.transactionData?.map((mv) => Number(mv.sampledValue[0]?.value))).toEqual([
      meterStart,
      stop.meterStop,
    ])
    if (version === '1.6') expect(stop.reason).toBe('Local')
    expect(summary.sessions.energyWh).toBe((stop.meterStop as number) - meterStart)
  }, 30_000)
})

test('a station obeys a real SOAP RemoteStartTransaction and then starts the transaction at the gateway', async () => {
  const fleet = await startFleet(
    options({ profile: 'steady', sessionChance: 0, rampS: 0, url: `${base}/ocpp/1.6`, idPrefix: 'RS' }),
  )
  const id = fleet.ids[0] as string
  try {
    await eventually(() => (fleet.station(id)?.registration === 'accepted' ? true : undefined))
    // the StatusNotification after boot is on its way; RemoteStart needs an Available connector
    await eventually(async () =>
      (await storedFor(id)).some((m) => m.action === 'StatusNotification') ? true : undefined,
    )

    const call = encodeRequest({
      ocppVersion: '1.6',
      operation: 'RemoteStartTransaction',
      payload: { connectorId: 1, idTag: 'REMOTE-TAG' },
      chargeBoxIdentity: id,
      to: fleet.urlOf(id),
      from: `${base}/ocpp/1.6`,
    })
    const http = await fetch(fleet.urlOf(id), {
      method: 'POST',
      headers: { 'content-type': call.contentType },
      body: call.body,
    })
    expect(http.status).toBe(200)
    expect(http.headers.get('content-type')).toBe(
      'application/soap+xml; charset=utf-8; action="/RemoteStartTransactionResponse"',
    )
    const reply = decodeResponse(await http.text(), {
      ocppVersion: '1.6',
      operation: 'RemoteStartTransaction',
      messageId: call.messageId,
    })
    expect(reply.payload).toEqual({ status: 'Accepted' })
    expect(reply.quirks).toEqual([])

    const start = await eventually(async () =>
      (await storedFor(id)).find((m) => m.action === 'StartTransaction'),
    )
    expect(start.payload).toMatchObject({ connectorId: 1, idTag: 'REMOTE-TAG' })
    expect(start.response).toMatchObject({ idTagInfo: { status: 'Accepted' } })
    const actions = (await storedFor(id)).map((m) => m.action)
    // remote starts skip Authorize (AuthorizeRemoteTxRequests=false)
    expect(actions).not.toContain('Authorize')

    // a call naming another station on this station's endpoint is refused
    const wrong = encodeRequest({
      ocppVersion: '1.6',
      operation: 'Reset',
      payload: { type: 'Soft' },
      chargeBoxIdentity: 'SOMEONE-ELSE',
      to: fleet.urlOf(id),
      from: `${base}/ocpp/1.6`,
    })
    const refused = await fetch(fleet.urlOf(id), {
      method: 'POST',
      headers: { 'content-type': wrong.contentType },
      body: wrong.body,
    })
    expect(refused.status).toBe(400)
    const faultText = await refused.text()
    expect(() => decodeResponse(faultText, { ocppVersion: '1.6', operation: 'Reset' })).toThrow(
      new OcppFaultResponseError(
        'Sender',
        'IdentityMismatch',
        `chargeBoxIdentity SOMEONE-ELSE does not match the endpoint of ${id}`,
      ),
    )
  } finally {
    fleet.stop()
  }
  const summary = await fleet.done
  expect(summary.failed.total).toBe(0)
  expect(summary.commandsObeyed).toEqual({
    total: 1,
    byOperation: { RemoteStartTransaction: { received: 1, obeyed: 1 } },
  })
  // the run's end stops the remote session cleanly
  expect(summary.sessions.completed).toBe(1)
  const stop = (await storedFor(id)).find((m) => m.action === 'StopTransaction')
  expect(stop?.payload).toMatchObject({ idTag: 'REMOTE-TAG', reason: 'Local' })
}, 30_000)

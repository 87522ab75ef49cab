import type { AddressInfo } from 'node:net'
import { DEFAULT_FLEET_OPTIONS, type Fleet, startFleet } from '@chargebus/simulator'
import { expectContractKept, startTestApi, type TestApi } from '../../services/api/test/support/api.ts'
import { startTestEdge, type TestEdge } from '../../services/ftp-ingest/test/support/ftp-edge.ts'
import {
  type CommandGateway,
  startCommandGateway,
} from '../../services/ocpp-gateway/test/support/command-gateway.ts'
import { eventually } from '../support/eventually.ts'

/*
 * GetDiagnostics and UpdateFirmware end to end, every part real and none of it told about the others but by
 * configuration: the operator asks the API (no location; a catalogued image); the gateway's dispatcher issues
 * one-time FTP credentials and calls the simulated station; the station uploads its diagnostics file to the FTP
 * edge, or downloads the image from it, and reports over OCPP; the API shows the upload on the command. API,
 * gateway and edge share one bus namespace, the run's database and one storage directory.
 */

const SLOW = 60_000
let api: TestApi
let edge: TestEdge
let cg: CommandGateway
let fleet: Fleet
let stationId: string

beforeAll(async () => {
  edge = await startTestEdge({}, { shareRunDatabase: true })
  api = await startTestApi({ STORAGE_URL: edge.storageDir }, { namespace: edge.namespace })
  cg = await startCommandGateway(
    { OCPP_FTP_URL: `ftp://127.0.0.1:${edge.port}` },
    { namespace: api.namespace },
  )
  await cg.gw.app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(cg.gw.app.server.address() as AddressInfo).port}`
  fleet = await startFleet({
    ...DEFAULT_FLEET_OPTIONS,
    stations: 1,
    profile: 'steady',
    sessionChance: 0,
    rampS: 0,
    durationS: 60,
    drainS: 5,
    url: `${base}/ocpp/1.6`,
    idPrefix: `DIAG${Date.now().toString(36)}`,
  })
  stationId = fleet.ids[0] as string
  await eventually(() => fleet.station(stationId)?.registration === 'accepted')
  // The row ingest would write from the BootNotification (ingest does not run here).
  await cg.db
    .insertInto('stations')
    .values({
      id: stationId,
      ocpp_version: '1.6',
      endpoint_url: fleet.urlOf(stationId),
      registration_status: 'Accepted',
    })
    .execute()
}, SLOW)

afterAll(async () => {
  fleet?.stop()
  await fleet?.done
  await cg?.close()
  await api?.close()
  await edge?.close()
  expectContractKept(api)
}, SLOW)

/** The location the gateway sent the station, as it stored it (the secret masked). */
async function sentLocation(commandId: string): Promise<URL> {
  const payload = (await cg.row(commandId))?.sent_payload as { location?: string } | undefined
  return new URL(payload?.location ?? 'invalid:')
}

test(
  'GetDiagnostics without a location: the station uploads to the FTP edge and the command shows the file',
  async () => {
    const sent = await api.request('POST', `/v1/stations/${stationId}/commands?wait=10000`, {
      body: { operation: 'GetDiagnostics', payload: {} },
    })
    expect(sent.status).toBe(200)
    expect(sent.json.status).toBe('accepted')
    const fileName = sent.json.response.fileName as string
    expect(fileName).toMatch(/^diagnostics-/)
    // What was sent and is shown carries the location without its secret.
    const location = await sentLocation(sent.json.id)
    expect([location.protocol, location.port, location.password]).toEqual(['ftp:', String(edge.port), '***'])
    expect(location.username).toMatch(/^grant-[0-9a-f]{24}$/)

    let command: { uploads: Array<{ fileId: string; name: string }> } = { uploads: [] }
    await eventually(async () => {
      command = (await api.request('GET', `/v1/commands/${sent.json.id}`)).json
      return command.uploads.length > 0
    })
    expect(command.uploads).toEqual([
      expect.objectContaining({ name: fileName, size: expect.any(Number), sha256: expect.any(String) }),
    ])
    const [file] = await edge.db
      .selectFrom('ftp_files')
      .select(['station_id', 'object_key', 'command_id'])
      .where('id', '=', command.uploads[0]?.fileId as string)
      .execute()
    expect(file).toMatchObject({ station_id: stationId, command_id: sent.json.id })
    const chunks: Buffer[] = []
    for await (const chunk of await edge.deps.storage.get(file?.object_key as string)) chunks.push(chunk)
    expect(Buffer.concat(chunks).toString('utf8')).toContain(`station=${stationId}\n`)

    // The station reported the upload over OCPP, after it was stored.
    await eventually(async () =>
      (await cg.gw.stored()).some(
        (m) =>
          m.data.stationId === stationId &&
          m.data.action === 'DiagnosticsStatusNotification' &&
          (m.data.payload as { status?: string }).status === 'Uploaded',
      ),
    )
    // The credentials were for that one upload.
    expect(await edge.received()).toEqual(
      expect.arrayContaining([expect.objectContaining({ commandId: sent.json.id, name: fileName })]),
    )
  },
  SLOW,
)

/** What the gateway stored of a station's FirmwareStatusNotifications, in order. */
async function firmwareStatuses(id: string): Promise<string[]> {
  return (await cg.gw.stored())
    .filter((m) => m.data.stationId === id && m.data.action === 'FirmwareStatusNotification')
    .map((m) => String((m.data.payload as { status?: string }).status))
}

test(
  'UpdateFirmware of a catalogued image: the station downloads it from the FTP edge and reports it installed',
  async () => {
    const image = Buffer.alloc(256 * 1024, 7)
    const added = await api.request('PUT', '/v1/firmware/sim-fw-2.bin?version=2.0', {
      payload: image as unknown as string,
      headers: { 'content-type': 'application/octet-stream' },
    })
    expect(added.status).toBe(201)

    const unknown = await api.request('POST', `/v1/stations/${stationId}/commands`, {
      body: {
        operation: 'UpdateFirmware',
        payload: { retrieveDate: new Date().toISOString(), firmware: 'nope.bin' },
      },
    })
    expect([unknown.status, unknown.json.errors?.[0]?.name]).toEqual([400, 'payload.firmware'])

    const sent = await api.request('POST', `/v1/stations/${stationId}/commands?wait=10000`, {
      body: {
        operation: 'UpdateFirmware',
        payload: { retrieveDate: new Date().toISOString(), firmware: 'sim-fw-2.bin' },
      },
    })
    expect([sent.status, sent.json.status]).toEqual([200, 'accepted'])
    const location = await sentLocation(sent.json.id)
    expect([location.pathname, location.password]).toEqual(['/sim-fw-2.bin', '***'])

    await eventually(async () => (await firmwareStatuses(stationId)).includes('Installed'))
    expect(await firmwareStatuses(stationId)).toEqual(['Downloaded', 'Installed'])
    const metrics = await edge.app.inject({ url: '/metrics' })
    expect(metrics.body).toMatch(/ftp_downloads_total\{outcome="complete",service="ftp-ingest"\} 1/)
  },
  SLOW,
)

import { type CommandOperation, isPrivilegedCommand } from '@chargebus/ocpp'
import { loadConfig } from '@chargebus/platform'
import { pino } from 'pino'
import { buildApp } from '../../services/api/src/app.ts'
import { ApiConfig } from '../../services/api/src/config.ts'
import { issueApiKey } from '../../services/api/src/data-access/api-keys.ts'
import { type OpenedDependencies, openApiDependencies } from '../../services/api/src/deps.ts'
import { ContractChecker } from '../../services/api/test/support/contract.ts'
import {
  type CommandGateway,
  startCommandGateway,
  uniqueStation,
} from '../../services/ocpp-gateway/test/support/command-gateway.ts'
import { commandPayloads, expectedStatus, v15Operations } from '../support/command-payloads.ts'
import { type CpServer, quietPort, startCpServer } from '../support/cp-server.ts'

/*
 * Commands end to end: the REST API (validation, capabilities, idempotency, ?wait, listing) publishes to the
 * COMMANDS stream, the gateway's dispatcher calls the independent cp_server.py, and the API reports the
 * station's answer. API and gateway share one bus namespace and the run's database; station rows are written
 * here the way ingest writes them.
 */

const SLOW = 30_000
const operations = Object.keys(commandPayloads) as CommandOperation[]

interface Api {
  deps: OpenedDependencies
  app: Awaited<ReturnType<typeof buildApp>>
  close(): Promise<void>
}

let cg: CommandGateway
let api: Api
let contract: ContractChecker
let writeKey: string
let readKey: string
let adminKey: string

async function openApi(namespace: string): Promise<Api> {
  const config = loadConfig(ApiConfig, {
    DATABASE_URL: process.env.DATABASE_URL,
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
  })
  const deps = await openApiDependencies(config, pino({ level: config.LOG_LEVEL }), { namespace })
  const app = await buildApp(deps)
  await app.ready()
  return {
    deps,
    app,
    async close() {
      await app.close()
      await deps.close()
    },
  }
}

async function request(method: 'GET' | 'POST', url: string, body?: unknown, key = writeKey) {
  const res = await api.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  })
  contract.check({
    method,
    url,
    status: res.statusCode,
    contentType: res.headers['content-type'] as string | undefined,
    body: res.body,
  })
  return { status: res.statusCode, headers: res.headers, json: res.body === '' ? undefined : res.json() }
}

async function addStation(id: string, version: '1.5' | '1.6', endpointUrl: string | null) {
  await cg.db
    .insertInto('stations')
    .values({ id, ocpp_version: version, endpoint_url: endpointUrl, registration_status: 'Accepted' })
    .execute()
}

async function commandsOf(stationId: string) {
  return cg.db.selectFrom('commands').selectAll().where('station_id', '=', stationId).execute()
}

async function requestsInStream(stationId: string) {
  return (await cg.updates()).filter((u) => u.stationId === stationId)
}

beforeAll(async () => {
  cg = await startCommandGateway({ OCPP_COMMAND_RETRY_MS: '300,600' })
  api = await openApi(cg.namespace)
  contract = new ContractChecker((await api.app.inject({ url: '/openapi.json' })).json())
  writeKey = (await issueApiKey(cg.db, { name: 'commands write', scopes: ['write', 'read'] })).key
  readKey = (await issueApiKey(cg.db, { name: 'commands read', scopes: ['read'] })).key
  adminKey = (await issueApiKey(cg.db, { name: 'commands admin', scopes: ['admin'] })).key
}, SLOW)

afterAll(async () => {
  await api?.close()
  await cg?.close()
  expect(contract?.mismatches).toEqual([])
}, SLOW)

describe('bad requests queue nothing', () => {
  const station = uniqueStation('BAD')
  beforeAll(() => addStation(station, '1.6', 'http://127.0.0.1:9/ocpp/cp'))

  test.each<[string, unknown, string]>([
    ['an unknown operation', { operation: 'Explode', payload: {} }, 'operation'],
    ['an enum value outside the schema', { operation: 'Reset', payload: { type: 'Nope' } }, 'payload.type'],
    ['a missing required field', { operation: 'Reset', payload: {} }, 'payload.type'],
    ['a field the operation lacks', { operation: 'ClearCache', payload: { force: true } }, 'payload.force'],
    [
      'a wrong type deep inside',
      {
        operation: 'SetChargingProfile',
        payload: { ...commandPayloads.SetChargingProfile, connectorId: 'one' },
      },
      'payload.connectorId',
    ],
    [
      'a malformed date',
      { operation: 'ReserveNow', payload: { ...commandPayloads.ReserveNow, expiryDate: 'soon' } },
      'payload.expiryDate',
    ],
    ['a ttl of zero', { operation: 'Reset', payload: { type: 'Soft' }, ttlSeconds: 0 }, 'ttlSeconds'],
    [
      'an idempotency key with spaces',
      { operation: 'Reset', payload: { type: 'Soft' }, idempotencyKey: 'a b' },
      'idempotencyKey',
    ],
  ])('%s: 400 problem+json naming %s', async (_, body, field) => {
    const res = await request('POST', `/v1/stations/${station}/commands`, body)
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json).toMatchObject({ code: 'API_ERR_VALIDATION', status: 400 })
    expect(res.json.errors.map((e: { name: string }) => e.name)).toContain(field)
    expect(await commandsOf(station)).toEqual([])
    expect(await requestsInStream(station)).toEqual([])
  })

  test('an unknown station: 404', async () => {
    const res = await request('POST', '/v1/stations/NO-SUCH-STATION/commands', { operation: 'ClearCache' })
    expect(res.status).toBe(404)
    expect(res.json.code).toBe('API_ERR_STATION_NOT_FOUND')
  })

  test('a read-only key: 403', async () => {
    const res = await request(
      'POST',
      `/v1/stations/${station}/commands`,
      { operation: 'ClearCache' },
      readKey,
    )
    expect(res.status).toBe(403)
    expect(await commandsOf(station)).toEqual([])
  })

  test.each([
    ['UpdateFirmware', commandPayloads.UpdateFirmware],
    ['GetDiagnostics', commandPayloads.GetDiagnostics],
    ['ChangeConfiguration', { key: 'AuthorizationKey', value: '00112233445566778899aabbccddeeff' }],
  ])('%s needs the admin scope: 403 with write, nothing queued', async (operation, payload) => {
    const res = await request('POST', `/v1/stations/${station}/commands`, { operation, payload })
    expect(res.status).toBe(403)
    expect(res.json).toMatchObject({
      code: 'API_ERR_FORBIDDEN',
      detail: 'this API key lacks the admin scope',
    })
    expect(await commandsOf(station)).toEqual([])
  })

  test('an unknown command: 404 problem', async () => {
    const res = await request('GET', '/v1/commands/00000000-0000-4000-8000-000000000000')
    expect(res.status).toBe(404)
    expect(res.json).toMatchObject({
      code: 'API_ERR_COMMAND_NOT_FOUND',
      type: 'urn:chargebus:problem:command-not-found',
    })
  })
})

describe('capabilities', () => {
  test('an operation outside the feature profiles the station reported: 409, nothing queued', async () => {
    const station = uniqueStation('CAP')
    await addStation(station, '1.6', 'http://127.0.0.1:9/ocpp/cp')
    await cg.db
      .insertInto('station_capabilities')
      .values({
        station_id: station,
        ocpp_version: '1.6',
        feature_profiles: ['Core', 'RemoteTrigger'],
        configuration: '{}',
        learned_at: new Date(),
      })
      .execute()
    const refused = await request('POST', `/v1/stations/${station}/commands`, {
      operation: 'ReserveNow',
      payload: commandPayloads.ReserveNow,
    })
    expect(refused.status).toBe(409)
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(refused.json).toMatchObject({
      code: 'API_ERR_COMMAND_NOT_SUPPORTED',
      detail: expect.stringContaining('Reservation feature profile'),
    })
    const allowed = await request('POST', `/v1/stations/${station}/commands`, {
      operation: 'TriggerMessage',
      payload: commandPayloads.TriggerMessage,
      ttlSeconds: 1,
    })
    expect(allowed.status).toBe(202)
    expect((await commandsOf(station)).map((c) => c.operation)).toEqual(['TriggerMessage'])
  })

  test('a 1.6-only operation for a 1.5 station: 409', async () => {
    const station = uniqueStation('V15')
    await addStation(station, '1.5', null)
    const res = await request('POST', `/v1/stations/${station}/commands`, {
      operation: 'SetChargingProfile',
      payload: commandPayloads.SetChargingProfile,
    })
    expect(res.status).toBe(409)
    expect(res.json.detail).toContain('does not exist in OCPP 1.5')
    expect(await commandsOf(station)).toEqual([])
  })
})

describe.each([
  ['1.6', operations],
  ['1.5', v15Operations],
] as const)('every operation through the API to an OCPP %s station', (version, ops) => {
  let cp: CpServer
  const station = uniqueStation(`API${version.replace('.', '')}`)
  beforeAll(async () => {
    cp = await startCpServer({ id: station, version })
    await addStation(station, version, `${cp.url}/ocpp/cp/${station}`)
  }, SLOW)
  afterAll(() => cp?.stop(), SLOW)

  test(`${ops.length} operations: the station got each once without issues, the API reports its answer`, async () => {
    for (const op of ops) {
      const payload = commandPayloads[op]
      const key = isPrivilegedCommand(op, payload) ? adminKey : writeKey
      const res = await request(
        'POST',
        `/v1/stations/${station}/commands?wait=10s`,
        { operation: op, payload },
        key,
      )
      expect({ op, status: res.status }).toEqual({ op, status: 200 })
      expect(res.headers.location).toBe(`/v1/commands/${res.json.id}`)
      expect(res.json).toMatchObject({
        operation: op,
        status: expectedStatus(op),
        ocppVersion: version,
        attempts: 1,
      })
      expect(res.json.response).not.toBeNull()
      const call = cp.calls().at(-1)
      expect(call).toMatchObject({
        op,
        chargeBoxIdentity: station,
        issues: [],
        messageId: res.json.messageId,
      })
    }
    expect(cp.calls().map((c) => c.op)).toEqual(ops)

    const unlock = await request(
      'GET',
      `/v1/stations/${station}/commands?status=accepted&limit=200`,
      undefined,
      readKey,
    )
    expect(unlock.status).toBe(200)
    const listed = unlock.json.data as Array<{ operation: string; response: unknown }>
    expect(listed.find((c) => c.operation === 'UnlockConnector')?.response).toEqual({ status: 'Unlocked' })
  }, 60_000)
})

describe('the outbox through the API', () => {
  test(
    'a retried POST with the same idempotency key answers the same command and sends it once',
    async () => {
      const station = uniqueStation('IDEM')
      const cp = await startCpServer({ id: station })
      try {
        await addStation(station, '1.6', `${cp.url}/ocpp/cp/${station}`)
        const body = {
          operation: 'RemoteStartTransaction',
          payload: commandPayloads.RemoteStartTransaction,
          idempotencyKey: 'start-42',
        }
        const first = await request('POST', `/v1/stations/${station}/commands`, body)
        const second = await request('POST', `/v1/stations/${station}/commands`, body)
        expect(first.status).toBe(202)
        expect(second.json).toMatchObject({ id: first.json.id })
        expect(second.headers['idempotent-replayed']).toBe('true')
        await cg.waitFor(first.json.id, ['accepted'])
        const third = await request('POST', `/v1/stations/${station}/commands`, body)
        expect(third).toMatchObject({ status: 200, json: { id: first.json.id, status: 'accepted' } })
        await new Promise((r) => setTimeout(r, 500))
        expect(cp.calls().map((c) => c.op)).toEqual(['RemoteStartTransaction'])

        const reused = await request('POST', `/v1/stations/${station}/commands`, {
          ...body,
          payload: { idTag: 'OTHER' },
        })
        expect(reused.status).toBe(409)
        expect(reused.json.code).toBe('API_ERR_IDEMPOTENCY_KEY_REUSED')
        expect(await commandsOf(station)).toHaveLength(1)
      } finally {
        await cp.stop()
      }
    },
    SLOW,
  )

  test(
    '?wait returns 202 with the current status when the station does not answer in time; ttl expires it',
    async () => {
      const station = uniqueStation('TTL')
      await addStation(station, '1.6', `http://127.0.0.1:${await quietPort()}/ocpp/cp/${station}`)
      const res = await request('POST', `/v1/stations/${station}/commands?wait=300ms`, {
        operation: 'Reset',
        payload: { type: 'Hard' },
        ttlSeconds: 1,
      })
      expect(res.status).toBe(202)
      expect(res.json.status).toBe('queued')
      expect(Date.parse(res.json.expiresAt) - Date.parse(res.json.requestedAt)).toBe(1000)
      await cg.waitFor(res.json.id, ['expired'])
      const got = await request('GET', `/v1/commands/${res.json.id}`, undefined, readKey)
      expect(got.json).toMatchObject({ status: 'expired', error: { code: 'COMMAND_ERR_EXPIRED' } })
      const events = (await requestsInStream(station)).map((u) => u.status)
      expect(events.at(-1)).toBe('expired')
    },
    SLOW,
  )

  test('restarting the API and the gateway with commands queued loses none and sends none twice', async () => {
    const station = uniqueStation('RSTA')
    const port = await quietPort()
    await addStation(station, '1.6', `http://127.0.0.1:${port}/ocpp/cp/${station}`)
    const ids: string[] = []
    for (const op of ['ChangeAvailability', 'ClearCache', 'Reset'] as const) {
      const res = await request('POST', `/v1/stations/${station}/commands`, {
        operation: op,
        payload: commandPayloads[op],
      })
      expect(res.status).toBe(202)
      ids.push(res.json.id)
    }
    // The API restarts: nothing it queued depends on it.
    await api.close()
    api = await openApi(cg.namespace)
    // The gateway's dispatcher restarts while the station is still down.
    await cg.waitForError(ids[0] as string, 'COMMAND_ERR_UNREACHABLE')
    await cg.stopDispatcher()
    const next = await startCommandGateway({ OCPP_COMMAND_RETRY_MS: '300,600' }, { namespace: cg.namespace })
    // The station starts inside the try: when it cannot, the second gateway's NATS connections still close
    // (left open, they kept jest from exiting).
    let cp: CpServer | undefined
    try {
      cp = await startCpServer({ id: station, port })
      for (const id of ids) await next.waitFor(id, ['accepted'], 15_000)
      await new Promise((r) => setTimeout(r, 2500)) // past the ack wait: nothing comes again
      expect(cp.calls().map((c) => c.op)).toEqual(['ChangeAvailability', 'ClearCache', 'Reset'])
      const list = await request('GET', `/v1/stations/${station}/commands?limit=2`, undefined, readKey)
      expect(list.json.data.map((c: { id: string }) => c.id)).toEqual([ids[2], ids[1]])
      const page2 = await request('GET', list.json.next, undefined, readKey)
      expect(page2.json).toMatchObject({ data: [{ id: ids[0], status: 'accepted' }], nextCursor: null })
    } finally {
      await cp?.stop()
      await next.close()
    }
  }, 60_000)
})

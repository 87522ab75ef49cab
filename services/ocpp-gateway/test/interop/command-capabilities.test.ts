import { type CpServer, startCpServer } from '../../../../test/support/cp-server.ts'
import { eventually } from '../../../../test/support/eventually.ts'
import {
  COMMAND_TEST_ENV,
  type CommandGateway,
  startCommandGateway,
  uniqueStation,
} from '../support/command-gateway.ts'
import { envelope, startTestGateway } from '../support/gateway.ts'

/*
 * What the dispatcher learns and tracks per station: capabilities (GetConfiguration it issues itself after an
 * Accepted boot) and the local authorization list (SendLocalList built from id_tags, full and differential,
 * versions counted per station).
 */

const terminal = ['accepted', 'rejected', 'failed', 'expired']
let cg: CommandGateway
let cp: CpServer
const station = uniqueStation('CAP')

beforeAll(async () => {
  cg = await startCommandGateway({ OCPP_CAPABILITIES_DELAY_MS: '0' })
  cp = await startCpServer({ id: station })
}, 20_000)
afterAll(async () => {
  await cp?.stop()
  await cg?.close()
}, 20_000)

test('after an Accepted boot the dispatcher asks the station for its configuration and stores it', async () => {
  await cg.boot(station, `${cp.url}/ocpp/cp/${station}`)
  const calls = await cp.waitFor((c) => c.some((x) => x.op === 'GetConfiguration'))
  const call = calls.find((c) => c.op === 'GetConfiguration')
  expect(call).toMatchObject({ chargeBoxIdentity: station, issues: [], request: {} })

  let caps = await readCapabilities()
  for (let i = 0; i < 100 && !caps; i++) {
    await new Promise((r) => setTimeout(r, 50))
    caps = await readCapabilities()
  }
  expect(caps).toMatchObject({
    ocpp_version: '1.6',
    feature_profiles: ['Core', 'RemoteTrigger'],
    configuration: { SupportedFeatureProfiles: { value: 'Core,RemoteTrigger', readonly: true } },
  })
  const discovery = () =>
    cg.db
      .selectFrom('commands')
      .selectAll()
      .where('station_id', '=', station)
      .where('operation', '=', 'GetConfiguration')
      .executeTakeFirstOrThrow()
  // The capabilities and the command's outcome are two writes: the outcome may land a moment later.
  await eventually(async () => (await discovery()).status === 'accepted')
  const row = await discovery()
  expect(row).toMatchObject({ origin: 'system', status: 'accepted', requested_by: 'ocpp-gateway' })
  // unfinished discovery is asked again at the next boot, so it is not retried for long
  expect((row.expires_at?.getTime() ?? 0) - row.requested_at.getTime()).toBe(10 * 60_000)

  // The same boot retried (same MessageID) does not ask twice: the key is the boot's MessageID.
  expect(cp.calls().filter((c) => c.op === 'GetConfiguration')).toHaveLength(1)
}, 20_000)

test('a later boot does not ask again, unless a firmware was installed since', async () => {
  // `station` was asked once by the first test; a new boot (new MessageID) within the max age is not.
  const asked = () => cp.calls().filter((c) => c.op === 'GetConfiguration').length
  expect(asked()).toBe(1)
  await cg.boot(station, `${cp.url}/ocpp/cp/${station}`)
  await new Promise((r) => setTimeout(r, 1000))
  expect(asked()).toBe(1)

  const installed = envelope({
    identity: station,
    version: '1.6',
    body: '<cs:firmwareStatusNotificationRequest><cs:status>Installed</cs:status></cs:firmwareStatusNotificationRequest>',
  })
  expect((await cg.gw.post(installed.xml)).status).toBe(200)
  for (let i = 0; i < 100 && (await readCapabilities())?.learned_at.getTime() !== 0; i++)
    await new Promise((r) => setTimeout(r, 50))
  expect((await readCapabilities())?.learned_at.getTime()).toBe(0) // stale, still known
  expect((await readCapabilities())?.feature_profiles).toEqual(['Core', 'RemoteTrigger'])

  await cg.boot(station, `${cp.url}/ocpp/cp/${station}`)
  await cp.waitFor((c) => c.filter((x) => x.op === 'GetConfiguration').length === 2)
  for (let i = 0; i < 100 && (await readCapabilities())?.learned_at.getTime() === 0; i++)
    await new Promise((r) => setTimeout(r, 50))
  expect((await readCapabilities())?.learned_at.getTime()).toBeGreaterThan(Date.now() - 60_000)
}, 20_000)

test('a boot received by another replica (one without a dispatcher) is followed by discovery too', async () => {
  const other = uniqueStation('CAP')
  const otherCp = await startCpServer({ id: other })
  const replica = await startTestGateway(
    { ...COMMAND_TEST_ENV, OCPP_COMMANDS_ENABLED: 'false' },
    { namespace: cg.namespace },
  )
  try {
    const boot =
      '<cs:bootNotificationRequest><cs:chargePointVendor>ACME</cs:chargePointVendor>' +
      '<cs:chargePointModel>Fast-1</cs:chargePointModel></cs:bootNotificationRequest>'
    const { xml } = envelope({
      identity: other,
      version: '1.6',
      body: boot,
      from: `${otherCp.url}/ocpp/cp/${other}`,
    })
    expect((await replica.post(xml)).status).toBe(200)
    const calls = await otherCp.waitFor((c) => c.some((x) => x.op === 'GetConfiguration'))
    expect(calls.filter((c) => c.op === 'GetConfiguration')).toHaveLength(1)
    expect(calls.find((c) => c.op === 'GetConfiguration')).toMatchObject({
      chargeBoxIdentity: other,
      issues: [],
    })
  } finally {
    await replica.close()
    await otherCp.stop()
  }
}, 20_000)

test('SendLocalList: a full list from id_tags, then only the differences, versions counted per station', async () => {
  const tags = { keep: `${station}-K`, change: `${station}-C`, drop: `${station}-D`, add: `${station}-A` }
  for (const t of Object.values(tags)) expect(t.length).toBeLessThanOrEqual(20)
  await cg.db
    .insertInto('id_tags')
    .values([
      { id_tag: tags.keep, status: 'Accepted' },
      { id_tag: tags.change, status: 'Accepted' },
      { id_tag: tags.drop, status: 'Accepted' },
    ])
    .execute()

  const full = await cg.queue(station, 'SendLocalList', { updateType: 'Full' })
  expect((await cg.waitFor(full, terminal)).status).toBe('accepted')
  const sentFull = lastCall('SendLocalList')
  expect(sentFull.listVersion).toBe('1')
  const fullTags = listOf(sentFull).map((e) => e.idTag)
  expect(fullTags).toEqual(expect.arrayContaining([tags.keep, tags.change, tags.drop]))

  await cg.db.updateTable('id_tags').set({ status: 'Blocked' }).where('id_tag', '=', tags.change).execute()
  await cg.db.deleteFrom('id_tags').where('id_tag', '=', tags.drop).execute()
  await cg.db.insertInto('id_tags').values({ id_tag: tags.add, status: 'Accepted' }).execute()

  const diff = await cg.queue(station, 'SendLocalList', { updateType: 'Differential' })
  expect((await cg.waitFor(diff, terminal)).status).toBe('accepted')
  const sentDiff = lastCall('SendLocalList')
  expect(sentDiff).toMatchObject({ listVersion: '2', updateType: 'Differential' })
  const entries = listOf(sentDiff)
  const mine = entries.filter((e) => e.idTag.startsWith(station))
  expect(mine).toEqual([
    { idTag: tags.add, idTagInfo: { status: 'Accepted' } },
    { idTag: tags.change, idTagInfo: { status: 'Blocked' } },
    { idTag: tags.drop },
  ])

  const stored = await cg.db
    .selectFrom('station_local_lists')
    .selectAll()
    .where('station_id', '=', station)
    .executeTakeFirstOrThrow()
  expect(stored.list_version).toBe(2)
  expect(stored.source_command_id).toBe(diff)
  expect(Object.keys(stored.entries)).toEqual(expect.arrayContaining([tags.keep, tags.change, tags.add]))
  expect(stored.entries[tags.change]).toEqual({ status: 'Blocked' })
  expect(stored.entries[tags.drop]).toBeUndefined()

  // A list the caller gives is sent as given (with its version).
  const given = await cg.queue(station, 'SendLocalList', {
    updateType: 'Full',
    listVersion: 10,
    localAuthorizationList: [{ idTag: 'ONLY-ME', idTagInfo: { status: 'Accepted' } }],
  })
  expect((await cg.waitFor(given, terminal)).status).toBe('accepted')
  expect(lastCall('SendLocalList')).toMatchObject({ listVersion: '10', updateType: 'Full' })
  const after = await cg.db
    .selectFrom('station_local_lists')
    .selectAll()
    .where('station_id', '=', station)
    .executeTakeFirstOrThrow()
  expect({ version: after.list_version, entries: after.entries }).toEqual({
    version: 10,
    entries: { 'ONLY-ME': { status: 'Accepted' } },
  })
}, 20_000)

function readCapabilities() {
  return cg.db
    .selectFrom('station_capabilities')
    .selectAll()
    .where('station_id', '=', station)
    .executeTakeFirst()
}

function lastCall(op: string): Record<string, unknown> {
  const call = cp
    .calls()
    .filter((c) => c.op === op)
    .at(-1)
  expect(call?.issues).toEqual([])
  return call?.request ?? {}
}

/** cp_server logs one list item as an object, several as an array. */
function listOf(
  request: Record<string, unknown>,
): Array<{ idTag: string; idTagInfo?: Record<string, unknown> }> {
  const raw = request.localAuthorizationList
  if (raw === undefined) return []
  return (Array.isArray(raw) ? raw : [raw]) as Array<{ idTag: string; idTagInfo?: Record<string, unknown> }>
}

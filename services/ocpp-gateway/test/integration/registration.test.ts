import { createHash } from 'node:crypto'
import { hashPassword, KvBuckets, kvKey } from '@chargebus/station-registry'
import { eventually } from '../../../../test/support/eventually.ts'
import { envelope, startTestGateway, type TestGateway, textOf } from '../support/gateway.ts'

const boot = (station: string, version: '1.5' | '1.6' = '1.6') =>
  envelope({
    version,
    identity: station,
    body: '<cs:bootNotificationRequest><cs:chargePointVendor>ACME</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>',
  })
const heartbeat = (station: string) => envelope({ identity: station, body: '<cs:heartbeatRequest/>' })
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

describe('accept-all', () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startTestGateway({ OCPP_REGISTRATION: 'accept-all', OCPP_HEARTBEAT_INTERVAL_S: '120' })
  })
  afterAll(() => gw?.close())

  test('any station is Accepted with the configured interval and recorded in KV', async () => {
    const res = await gw.post(boot('CP-new').xml)
    expect(textOf(res.body, 'status')).toBe('Accepted')
    expect(textOf(res.body, 'interval')).toBe('120')
    await eventually(() => gw.deps.stations.get(kvKey('CP-new'))?.registrationStatus === 'Accepted')
    expect((await gw.post(heartbeat('CP-never-booted').xml)).status).toBe(200)
  })

  test("an operator's Rejected record wins", async () => {
    await gw.putStation('CP-banned', { registrationStatus: 'Rejected' })
    const res = await gw.post(boot('CP-banned').xml)
    expect(textOf(res.body, 'status')).toBe('Rejected')
    expect(textOf(res.body, 'interval')).toBe('60')
  })
})

describe.each(['Pending', 'Rejected'] as const)('known-only, unknown stations %s', (unknownStatus) => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startTestGateway({
      OCPP_REGISTRATION: 'known-only',
      OCPP_UNKNOWN_STATION_STATUS: unknownStatus,
    })
    await gw.putStation('CP-known', { registrationStatus: 'Accepted' })
  })
  afterAll(() => gw?.close())

  test('a known station is Accepted', async () => {
    expect(textOf((await gw.post(boot('CP-known').xml)).body, 'status')).toBe('Accepted')
    expect((await gw.post(heartbeat('CP-known').xml)).status).toBe(200)
  })

  test(`an unknown station gets ${unknownStatus}, is stored and recorded for an operator`, async () => {
    const res = await gw.post(boot('CP-stranger').xml)
    expect(res.status).toBe(200)
    expect(textOf(res.body, 'status')).toBe(unknownStatus)
    expect(textOf(res.body, 'interval')).toBe('60')
    const [m] = (await gw.stored()).filter((s) => s.data.stationId === 'CP-stranger')
    expect(m?.data.quirks).toContain('unknown-station')
    expect(m?.data.response).toMatchObject({ status: unknownStatus })
    const kv = await gw.deps.bus.kv(KvBuckets.stations)
    await eventually(
      async () =>
        (await kv.get(kvKey('CP-stranger')))?.json<{ registrationStatus: string }>()?.registrationStatus ===
        unknownStatus,
    )
  })

  test('OCPP 1.5 has no Pending: the station sees Rejected', async () => {
    const res = await gw.post(boot('CP-stranger-15', '1.5').xml, { path: '/ocpp/1.5' })
    expect(textOf(res.body, 'status')).toBe('Rejected')
  })

  test('anything but BootNotification from a station that is not accepted is a SecurityError fault, not stored', async () => {
    const hb = heartbeat('CP-stranger')
    const res = await gw.post(hb.xml)
    expect(res.status).toBe(400)
    expect(textOf(res.body, 'Value')).toBe('s:Sender')
    expect(res.body).toContain('<s:Subcode><s:Value>SecurityError</s:Value></s:Subcode>')
    expect(textOf(res.body, 'RelatesTo')).toBe(hb.messageId)
    expect((await gw.stored()).some((s) => s.data.messageId === hb.messageId)).toBe(false)
  })

  test('an operator accepting the station takes effect at once', async () => {
    await gw.putStation('CP-flipped', { registrationStatus: unknownStatus })
    expect((await gw.post(heartbeat('CP-flipped').xml)).status).toBe(400)
    await gw.putStation('CP-flipped', { registrationStatus: 'Accepted' })
    expect((await gw.post(heartbeat('CP-flipped').xml)).status).toBe(200)
  })
})

describe('HTTP Basic auth (security profile 1)', () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startTestGateway()
    await gw.putStation('CP-secure', { registrationStatus: 'Accepted', password: hashPassword('s3cret') })
    // What older versions stored: sha256(salt || password), fast to guess offline.
    const salt = Buffer.from('salt')
    await gw.putStation('CP-sha', {
      registrationStatus: 'Accepted',
      password: {
        algorithm: 'sha256',
        salt: salt.toString('base64'),
        hash: createHash('sha256').update(salt).update('other').digest('base64'),
      },
    })
  })
  afterAll(() => gw?.close())

  test.each([
    ['no Authorization header', undefined],
    ['a wrong password', basic('CP-secure', 'guess')],
    ['another station as user', basic('CP-other', 's3cret')],
    ['not Basic', 'Bearer s3cret'],
  ])('%s: 401 with WWW-Authenticate, nothing stored', async (_name, authorization) => {
    const hb = heartbeat('CP-secure')
    const res = await gw.post(hb.xml, authorization === undefined ? {} : { authorization })
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Basic realm="OCPP", charset="UTF-8"')
    expect(res.body).toContain('SecurityError')
    expect((await gw.stored()).some((s) => s.data.messageId === hb.messageId)).toBe(false)
  })

  test('the right credentials are answered; a sha256 record is refused even with its password', async () => {
    for (let i = 0; i < 2; i++) {
      expect(
        (await gw.post(heartbeat('CP-secure').xml, { authorization: basic('CP-secure', 's3cret') })).status,
      ).toBe(200)
    }
    expect((await gw.post(heartbeat('CP-sha').xml, { authorization: basic('CP-sha', 'other') })).status).toBe(
      401,
    )
  })

  test('a station without a password needs none unless OCPP_REQUIRE_BASIC_AUTH', async () => {
    expect((await gw.post(heartbeat('CP-open').xml)).status).toBe(200)
    const strict = await startTestGateway({ OCPP_REQUIRE_BASIC_AUTH: 'true' })
    try {
      expect((await strict.post(heartbeat('CP-open').xml)).status).toBe(401)
      await strict.putStation('CP-open', { registrationStatus: 'Accepted', password: hashPassword('pw') })
      expect(
        (await strict.post(heartbeat('CP-open').xml, { authorization: basic('CP-open', 'pw') })).status,
      ).toBe(200)
    } finally {
      await strict.close()
    }
  })

  test('a password change invalidates remembered verdicts', async () => {
    await gw.putStation('CP-rotate', { registrationStatus: 'Accepted', password: hashPassword('old') })
    expect(
      (await gw.post(heartbeat('CP-rotate').xml, { authorization: basic('CP-rotate', 'old') })).status,
    ).toBe(200)
    await gw.putStation('CP-rotate', { registrationStatus: 'Accepted', password: hashPassword('new') })
    expect(
      (await gw.post(heartbeat('CP-rotate').xml, { authorization: basic('CP-rotate', 'old') })).status,
    ).toBe(401)
    expect(
      (await gw.post(heartbeat('CP-rotate').xml, { authorization: basic('CP-rotate', 'new') })).status,
    ).toBe(200)
  })
})

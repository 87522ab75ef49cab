import { type Bus, connectBus } from '@chargebus/bus'
import type { KV } from '@nats-io/kv'
import { pino } from 'pino'
import { NATS_URL, uniqueNamespace } from '../../../../test/support/nats.ts'
import {
  findFtpGrant,
  isFtpGrantUser,
  issueFtpGrant,
  openFtpGrants,
  restoreFtpGrant,
  spendFtpGrant,
} from '../../src/index.ts'

/* One-time FTP credentials against a real NATS KV: found only with the right secret before expiry, spent once. */

let bus: Bus
let grants: KV

beforeAll(async () => {
  bus = await connectBus({
    servers: NATS_URL,
    name: 'ftp-grants-test',
    namespace: uniqueNamespace('grants'),
    logger: pino({ level: 'silent' }),
  })
  grants = await openFtpGrants(bus)
})
afterAll(async () => {
  await bus?.deleteNamespace()
  await bus?.close()
})

const now = new Date('2030-03-01T10:00:00Z')
const inAnHour = new Date(now.getTime() + 3_600_000)
const issue = (access: 'upload' | 'download' = 'upload') =>
  issueFtpGrant(
    grants,
    {
      stationId: 'CP 1',
      commandId: 'cmd-1',
      access,
      ...(access === 'download' && { fileName: 'fw-2.bin' }),
    },
    { now, expiresAt: inAnHour },
  )

test('a grant is found with its secret until it expires, and only with it', async () => {
  const { user, password } = await issue('download')
  expect(isFtpGrantUser(user)).toBe(true)
  expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/)
  const found = await findFtpGrant(grants, user, password, now)
  expect(found).toMatchObject({ user, stationId: 'CP 1', access: 'download', fileName: 'fw-2.bin' })
  expect(JSON.stringify(found)).not.toContain(password)
  expect(await findFtpGrant(grants, user, `${password}x`, now)).toBeUndefined()
  expect(await findFtpGrant(grants, user, password, new Date(inAnHour.getTime() - 1))).toBeDefined()
  expect(await findFtpGrant(grants, user, password, inAnHour)).toBeUndefined()
})

test('names that are not grants are never looked up', async () => {
  expect(isFtpGrantUser('CP-1')).toBe(false)
  expect(isFtpGrantUser('grant-../x')).toBe(false)
  expect(await findFtpGrant(grants, 'grant-0', 'x', now)).toBeUndefined()
})

test('two transfers racing on one grant: exactly one spends it, and it is gone after', async () => {
  const { user, password } = await issue()
  const a = await findFtpGrant(grants, user, password, now)
  const b = await findFtpGrant(grants, user, password, now)
  if (a === undefined || b === undefined) throw new Error('grant not found')
  const spent = await Promise.all([spendFtpGrant(grants, a), spendFtpGrant(grants, b)])
  expect(spent.filter(Boolean)).toHaveLength(1)
  expect(await findFtpGrant(grants, user, password, now)).toBeUndefined()
})

test('a spent grant whose transfer was not recorded after all is restored, usable again', async () => {
  const { user, password } = await issue()
  const found = await findFtpGrant(grants, user, password, now)
  if (found === undefined) throw new Error('grant not found')
  expect(await spendFtpGrant(grants, found)).toBe(true)
  await restoreFtpGrant(grants, found)
  const again = await findFtpGrant(grants, user, password, now)
  expect(again).toMatchObject({ user, commandId: 'cmd-1', access: 'upload' })
  expect(await spendFtpGrant(grants, again as NonNullable<typeof again>)).toBe(true)
})

import { randomUUID } from 'node:crypto'
import type { Database, Kysely } from '@chargebus/db'
import { testDb } from '../../../../test/support/database.ts'
import { type CommandStore, createCommandStore, type NewCommand } from '../../src/index.ts'

/* The one writer of `commands`, against the run's database through pgbouncer: each test uses its own station. */

let db: Kysely<Database>
let commands: CommandStore
beforeAll(() => {
  db = testDb()
  commands = createCommandStore(db)
})
afterAll(() => db.destroy())

const T0 = new Date('2026-11-26T12:00:00.000Z')
const at = (s: number) => new Date(T0.getTime() + s * 1000)

function aCommand(stationId: string, over: Partial<NewCommand> = {}): NewCommand {
  return {
    id: randomUUID(),
    stationId,
    operation: 'Reset',
    payload: { type: 'Soft' },
    idempotencyKey: undefined,
    requestedBy: 'test',
    requestedAt: T0,
    expiresAt: undefined,
    ...over,
  }
}

test('a request is recorded queued, stamped with its request time; the same idempotency key finds it again', async () => {
  const first = await commands.request(aCommand('CS-IDEM', { idempotencyKey: 'order-1' }))
  expect(first.created).toBe(true)
  expect(first.record).toMatchObject({ status: 'queued', attempts: 0, streamSeq: null, updatedAt: T0 })
  const again = await commands.request(aCommand('CS-IDEM', { idempotencyKey: 'order-1' }))
  expect(again).toEqual({ created: false, record: first.record })
})

test('every status change is guarded by the status it leaves: a stale writer changes nothing', async () => {
  const { record } = await commands.request(aCommand('CS-FLOW'))
  const sent = await commands.markSent(record.id, {
    operation: 'Reset',
    at: at(1),
    messageId: 'urn:uuid:1',
    ocppVersion: '1.6',
    endpointUrl: 'http://cp.example/ocpp',
    sentPayload: { type: 'Soft' },
  })
  expect(sent).toMatchObject({ status: 'sent', attempts: 1, messageId: 'urn:uuid:1', sentAt: at(1) })
  expect(await commands.markSent(record.id, { ...sentFields(), at: at(2) })).toBeUndefined()
  const done = await commands.finish(record.id, {
    operation: 'Reset',
    status: 'accepted',
    at: at(3),
    response: { status: 'Accepted' },
    from: 'sent',
  })
  expect(done).toMatchObject({ status: 'accepted', completedAt: at(3), response: { status: 'Accepted' } })
  expect(
    await commands.finish(record.id, { operation: 'Reset', status: 'failed', at: at(4) }),
  ).toBeUndefined()
  expect((await commands.get(record.id))?.status).toBe('accepted')
})

test('a request nobody took is forgotten; one a dispatcher recorded is not', async () => {
  const lost = await commands.request(aCommand('CS-FORGET'))
  await commands.forget(lost.record.id)
  expect(await commands.get(lost.record.id)).toBeUndefined()

  const taken = await commands.request(aCommand('CS-FORGET'))
  const request = {
    commandId: taken.record.id,
    stationId: 'CS-FORGET',
    operation: 'Reset',
    payload: {},
    requestedAt: T0.toISOString(),
    origin: 'api' as const,
  }
  expect(await commands.recordConsumed(request, 42, at(600), at(1))).toMatchObject({
    streamSeq: 42,
    expiresAt: at(600),
  })
  await commands.forget(taken.record.id)
  expect(await commands.get(taken.record.id)).toBeDefined()
})

test('the ordering guard: an older open command blocks a newer one until it finishes or goes stale', async () => {
  const station = 'CS-ORDER'
  const ids = [randomUUID(), randomUUID()]
  const [older, newer] = await Promise.all(
    ids.map((id, i) =>
      commands.recordConsumed(
        {
          commandId: id,
          stationId: station,
          operation: 'Reset',
          payload: {},
          requestedAt: T0.toISOString(),
          origin: 'system',
        },
        100 + i,
        at(600),
        at(i),
      ),
    ),
  )
  if (older === undefined || newer === undefined) throw new Error('not recorded')
  expect(await commands.hasOpenPredecessor(newer, [newer.id], at(-60))).toBe(true)
  expect(await commands.hasOpenPredecessor(newer, [newer.id, older.id], at(-60))).toBe(false) // we hold it
  expect(await commands.hasOpenPredecessor(newer, [newer.id], at(60))).toBe(false) // untouched: stale
  expect(await commands.hasOpenPredecessor(older, [older.id], at(-60))).toBe(false)
  await commands.finish(older.id, { operation: 'Reset', status: 'expired', at: at(2), from: 'queued' })
  expect(await commands.hasOpenPredecessor(newer, [newer.id], at(-60))).toBe(false)
})

test('secrets never reach the table: a password in a location, an AuthorizationKey, a reported secret', async () => {
  const diag = await commands.request(
    aCommand('CS-SECRET', {
      operation: 'GetDiagnostics',
      payload: { location: 'ftp://diag:s3cret@files.example.com/up/' },
    }),
  )
  expect(diag.record.payload).toEqual({ location: 'ftp://diag:***@files.example.com/up/' })
  const key = await commands.request(
    aCommand('CS-SECRET', {
      operation: 'ChangeConfiguration',
      payload: { key: 'AuthorizationKey', value: '00112233445566778899aabbccddeeff' },
    }),
  )
  const sent = await commands.markSent(key.record.id, {
    operation: 'ChangeConfiguration',
    at: at(1),
    messageId: 'urn:uuid:s',
    ocppVersion: '1.6',
    endpointUrl: 'http://x',
    sentPayload: { key: 'AuthorizationKey', value: '00112233445566778899aabbccddeeff' },
  })
  const row = await db
    .selectFrom('commands')
    .selectAll()
    .where('id', '=', key.record.id)
    .executeTakeFirstOrThrow()
  expect(JSON.stringify([row.payload, row.sent_payload])).not.toContain('0011223344')
  expect(sent?.payload).toEqual({ key: 'AuthorizationKey', value: '***' })
  const config = await commands.request(aCommand('CS-SECRET', { operation: 'GetConfiguration', payload: {} }))
  const answered = await commands.finish(config.record.id, {
    operation: 'GetConfiguration',
    status: 'accepted',
    at: at(2),
    response: { configurationKey: [{ key: 'AuthorizationKey', readonly: false, value: 'leaked' }] },
  })
  expect(JSON.stringify(answered?.response)).not.toContain('leaked')
})

test('a station’s commands, newest first, a page at a time', async () => {
  const station = 'CS-LIST'
  for (let i = 0; i < 5; i++) await commands.request(aCommand(station, { requestedAt: at(i) }))
  const first = await commands.list({ stationId: station, limit: 3 })
  expect(first.more).toBe(true)
  expect(first.records.map((r) => r.requestedAt)).toEqual([at(4), at(3), at(2)])
  const last = first.records.at(-1)
  if (last === undefined) throw new Error('empty page')
  const second = await commands.list({
    stationId: station,
    limit: 3,
    after: { at: last.requestedAt.toISOString(), id: last.id },
  })
  expect(second).toMatchObject({ more: false })
  expect(second.records.map((r) => r.requestedAt)).toEqual([at(1), at(0)])
})

function sentFields() {
  return {
    operation: 'Reset',
    messageId: 'urn:uuid:2',
    ocppVersion: '1.6' as const,
    endpointUrl: 'http://x',
    sentPayload: {},
  }
}

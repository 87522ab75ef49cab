import { randomBytes } from 'node:crypto'
import { connectBus } from '@chargebus/bus'
import { idTagKey, KvBuckets, kvKey } from '@chargebus/station-registry'
import { pino } from 'pino'
import { type CommandContext, runCli } from '../../src/index.ts'

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'
const namespace = `cli${Date.now().toString(36)}${randomBytes(3).toString('hex')}`

function capture() {
  const out: string[] = []
  const err: string[] = []
  const ctx: CommandContext = {
    env: { NATS_URL },
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
  }
  return { ctx, stdout: () => out.join(''), stderr: () => err.join('') }
}

const bus = await connectBus({
  servers: NATS_URL,
  name: 'cli-test',
  namespace,
  logger: pino({ level: 'silent' }),
})
afterAll(async () => {
  await bus.deleteNamespace()
  await bus.close()
})

test('id-tags add / list / remove write the records the OCPP gateway mirrors', async () => {
  const add = capture()
  expect(
    await runCli(
      [
        'id-tags',
        'add',
        'tag-1',
        '--expires',
        '2027-01-01T00:00:00Z',
        '--parent',
        'FLEET',
        '--namespace',
        namespace,
      ],
      add.ctx,
    ),
  ).toBe(0)
  expect(add.stdout()).toBe('tag-1 Accepted until 2027-01-01T00:00:00.000Z\n')
  const kv = await bus.kv(KvBuckets.idTags)
  expect((await kv.get(idTagKey('TAG-1')))?.json()).toMatchObject({
    status: 'Accepted',
    expiryDate: '2027-01-01T00:00:00.000Z',
    parentIdTag: 'FLEET',
  })

  const list = capture()
  expect(await runCli(['id-tags', 'list', '--namespace', namespace], list.ctx)).toBe(0)
  expect(list.stdout()).toMatch(/^TAG-1\t\{"status":"Accepted"/)

  const removed = capture()
  expect(await runCli(['id-tags', 'remove', 'tag-1', '--namespace', namespace], removed.ctx)).toBe(0)
  expect(removed.stdout()).toBe('removed tag-1\n')
  expect((await kv.get(idTagKey('TAG-1')))?.operation).toBe('DEL')
})

test('id-tags rejects a bad status as a usage error', async () => {
  const io = capture()
  expect(await runCli(['id-tags', 'add', 'T', '--status', 'Maybe', '--namespace', namespace], io.ctx)).toBe(2)
  expect(io.stderr()).toMatch(/--status must be one of/)
})

test('station set writes the registration status and a password hash', async () => {
  const io = capture()
  expect(
    await runCli(
      ['station', 'set', 'urn:cp:7', '--status', 'Pending', '--password', 'pw', '--namespace', namespace],
      io.ctx,
    ),
  ).toBe(0)
  expect(io.stdout()).toBe('urn:cp:7 Pending (password set)\n')
  const record = (await (await bus.kv(KvBuckets.stations)).get(kvKey('urn:cp:7')))?.json<
    Record<string, unknown>
  >()
  expect(record).toMatchObject({
    registrationStatus: 'Pending',
    source: 'cli',
    password: { algorithm: 'scrypt' },
  })
  expect(JSON.stringify(record)).not.toContain('"pw"')
})

test('station set changes only what it is given; a newer record in KV is not overwritten', async () => {
  const kv = await bus.kv(KvBuckets.stations)
  const set = async (...args: string[]) => {
    const io = capture()
    const code = await runCli(['station', 'set', 'CP-CLI-2', ...args, '--namespace', namespace], io.ctx)
    return { code, ...io }
  }
  expect((await set('--password', 'pw')).stdout()).toBe('CP-CLI-2 Accepted (password set)\n')
  expect((await set('--status', 'Rejected')).stdout()).toBe('CP-CLI-2 Rejected (password set)\n')
  expect((await set('--no-password')).stdout()).toBe('CP-CLI-2 Rejected\n')
  expect((await kv.get(kvKey('CP-CLI-2')))?.json()).not.toHaveProperty('password')

  await kv.put(
    kvKey('CP-CLI-2'),
    JSON.stringify({ registrationStatus: 'Pending', updatedAt: '2999-01-01T00:00:00Z' }),
  )
  const late = await set('--status', 'Accepted')
  expect(late.code).toBe(1)
  expect(late.stderr()).toMatch(/newer record/)
  expect((await kv.get(kvKey('CP-CLI-2')))?.json()).toMatchObject({ registrationStatus: 'Pending' })
})

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectBus, streamLimitsFrom } from '@chargebus/bus'
import { OcppMessageReceived, Streams } from '@chargebus/events'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { pino } from 'pino'
import { NATS_URL, uniqueNamespace } from '../../../../test/support/nats.ts'
import { type CommandContext, runCli } from '../../src/index.ts'

const namespace = uniqueNamespace('cli')
let dir: string
const limits = { BUS_STREAM_OCPP_IN_MAX_BYTES: '1MiB', BUS_STREAM_DOMAIN_MAX_BYTES: '1MiB' }

function capture() {
  const out: string[] = []
  const err: string[] = []
  const ctx: CommandContext = {
    env: { NATS_URL, STORAGE_URL: dir, ...limits },
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
  }
  return { ctx, stdout: () => out.join(''), stderr: () => err.join('') }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chargebus-cli-archive-'))
  const bus = await connectBus({
    servers: NATS_URL,
    name: 'cli-archive-test',
    namespace,
    logger: pino({ level: 'silent' }),
    streamLimits: streamLimitsFrom(limits),
  })
  await bus.ensureStreams([Streams.OCPP_IN])
  for (let i = 0; i < 30; i++)
    await bus.publish(
      OcppMessageReceived,
      {
        stationId: 'CP-1',
        ocppVersion: '1.6',
        action: 'Heartbeat',
        messageId: `cli-${i}`,
        receivedAt: new Date().toISOString(),
        payload: {},
        quirks: [],
      },
      { msgId: `cli-${i}` },
    )
  await bus.close()
})

afterAll(async () => {
  const nc = await connect({ servers: NATS_URL })
  const jsm = await jetstreamManager(nc)
  const prefix = `${namespace.toUpperCase()}_`
  for await (const name of jsm.streams.names())
    if (name.startsWith(prefix) || name.startsWith(`KV_${prefix}`)) await jsm.streams.delete(name)
  await nc.close()
  await rm(dir, { recursive: true, force: true })
})

test('archive run --once, list, verify and restore, each with --json', async () => {
  const run = capture()
  expect(
    await runCli(
      [
        'archive',
        'run',
        '--once',
        '--stream',
        'OCPP_IN',
        '--delay-ms',
        '0',
        '--batch-messages',
        '10',
        '--namespace',
        namespace,
        '--json',
      ],
      run.ctx,
    ),
  ).toBe(0)
  expect(JSON.parse(run.stdout())).toEqual([
    expect.objectContaining({ stream: 'OCPP_IN', batches: 3, messages: 30, lastSeq: 30 }),
  ])
  expect(run.stderr()).toContain('archived 30 messages')

  // Absolute times in the stream's own clock (nats-server's): the shifted-clock suite runs this process a year
  // ahead, so times relative to it (`--from=-1h`, covered by unit tests) would miss the archive.
  const [from, to] = [await storedAt(1), new Date((await storedAt(30)).getTime() + 1)]
  const list = capture()
  expect(
    await runCli(
      ['archive', 'list', '--stream', 'OCPP_IN', `--from=${from.toISOString()}`, '--json'],
      list.ctx,
    ),
  ).toBe(0)
  expect(JSON.parse(list.stdout()).map((m: { firstSeq: number }) => m.firstSeq)).toEqual([1, 11, 21])

  const verify = capture()
  expect(await runCli(['archive', 'verify', '--stream', 'OCPP_IN', '--json'], verify.ctx)).toBe(0)
  expect(JSON.parse(verify.stdout())[0]).toMatchObject({ ok: true, messages: 30, orphans: [] })

  const restore = capture()
  expect(
    await runCli(
      [
        'restore',
        `--from=${from.toISOString()}`,
        `--to=${to.toISOString()}`,
        '--into-max-bytes',
        '1MiB',
        '--namespace',
        namespace,
        '--json',
      ],
      restore.ctx,
    ),
  ).toBe(0)
  expect(JSON.parse(restore.stdout())).toMatchObject({ into: 'RESTORED_OCPP_IN', published: 30 })
})

test('verify exits 1 when an object was altered; a bad --into is refused', async () => {
  const list = capture()
  await runCli(['archive', 'list', '--stream', 'OCPP_IN', '--json'], list.ctx)
  const manifestObjects = (await import('@chargebus/archive')).readManifest
  const { createStorage } = await import('@chargebus/storage')
  const storage = await createStorage(dir)
  const first = await manifestObjects(storage, 'archive/OCPP_IN/manifests/00000000000000000001.json')
  await writeFile(join(dir, first.objects[0]?.key as string), 'not gzip')
  const verify = capture()
  expect(await runCli(['archive', 'verify', '--stream', 'OCPP_IN'], verify.ctx)).toBe(1)
  expect(verify.stdout()).toContain('NOT OK')

  const bad = capture()
  expect(
    await runCli(
      ['restore', '--from=-1h', '--to=-0s', '--into', 'DOMAIN', '--namespace', namespace],
      bad.ctx,
    ),
  ).toBe(1)
  expect(bad.stderr()).toContain('another catalog stream')
})

/** When JetStream stored message `seq` of the namespace's OCPP_IN. */
async function storedAt(seq: number): Promise<Date> {
  const nc = await connect({ servers: NATS_URL })
  try {
    const stored = await (await jetstreamManager(nc)).streams.getMessage(
      `${namespace.toUpperCase()}_OCPP_IN`,
      { seq },
    )
    if (!stored) throw new Error(`OCPP_IN has no message ${seq}`)
    return stored.time
  } finally {
    await nc.close()
  }
}

import { Readable } from 'node:stream'
import { type Bus, connectBus } from '@chargebus/bus'
import { catalog, OcppMessageReceived, Streams } from '@chargebus/events'
import { pino } from 'pino'
import { NATS_URL, uniqueNamespace } from '../../../../test/support/nats.ts'
import { type CommandContext, runCli } from '../../src/index.ts'

/* `chargebus events list|generate|publish` in-process; publish against a real JetStream namespace. */

function run(argv: string[], input?: string) {
  const out: string[] = []
  const err: string[] = []
  const ctx: CommandContext = {
    env: { NATS_URL },
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    stdin: input === undefined ? undefined : Readable.from([input]),
  }
  return runCli(argv, ctx).then((code) => ({ code, stdout: out.join(''), stderr: err.join('') }))
}

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))

let bus: Bus
let namespace: string
beforeAll(async () => {
  namespace = uniqueNamespace('ev')
  bus = await connectBus({
    servers: NATS_URL,
    name: 'events-cli-test',
    namespace,
    logger: pino({ level: 'silent' }),
  })
  await bus.ensureStreams([Streams.OCPP_IN, Streams.DOMAIN], { maxBytes: 4 * 1024 * 1024 })
})
afterAll(async () => {
  await bus?.deleteNamespace()
  await bus?.close()
})

async function storedCount(stream = Streams.OCPP_IN): Promise<number> {
  let n = 0
  for (let seq = 1; ; seq++) {
    try {
      await bus.getMessage(stream, seq)
      n++
    } catch {
      return n
    }
  }
}

test('list prints every catalog event; --json adds schemas and examples', async () => {
  const text = await run(['events', 'list'])
  expect(text.code).toBe(0)
  for (const e of catalog) expect(text.stdout).toContain(`${e.name}@${e.version}`)
  expect(text.stdout).toMatch(
    /ocpp\.message\.received@1\s+OCPP_IN\s+ocpp\.in\.\{version\}\.\{station\}\.\{action\}/,
  )
  expect(text.stdout).not.toContain('"properties"')
  expect((await run(['events', 'list', '--schemas'])).stdout).toContain('"properties"')
  const json = JSON.parse((await run(['events', 'list', '--json'])).stdout)
  expect(json).toHaveLength(catalog.length)
  expect(json[0]).toMatchObject({
    name: 'ocpp.message.received',
    stream: 'OCPP_IN',
    schema: { type: 'object' },
  })
  expect(json[0].examples.length).toBeGreaterThan(0)
})

test.each(catalog.map((e) => [e.name, e] as const))(
  'generate %s prints valid JSON lines',
  async (name, def) => {
    const out = await run(['events', 'generate', name])
    expect(out.code).toBe(0)
    for (const sample of lines(out.stdout)) {
      expect(sample.event).toBe(name)
      expect(def.issues(sample.data)).toEqual([])
      expect(sample.subject).toBe(def.subjectOf(sample.data))
    }
  },
)

test('generate: --station per station, a usage error for a bad --count, a clear error for an unknown event', async () => {
  const out = await run([
    'events',
    'generate',
    'ocpp.in.1_6.*.Heartbeat',
    '--station',
    'A.1',
    '--station',
    'B',
  ])
  expect(lines(out.stdout).map((s) => s.subject)).toEqual([
    'ocpp.in.1_6.A%2E1.Heartbeat',
    'ocpp.in.1_6.B.Heartbeat',
  ])
  expect((await run(['events', 'generate', 'session.started', '--count', '0'])).code).toBe(2)
  const unknown = await run(['events', 'generate', 'no.such'])
  expect(unknown.code).toBe(1)
  expect(unknown.stderr).toContain('no sample for "no.such"')
})

test('publish stores each event with the catalog headers, and the same input again as duplicates', async () => {
  const input = (await run(['events', 'generate', 'ocpp.in.*.CP-P.*', '--station', 'CP-P'])).stdout
  const count = input.trim().split('\n').length
  const first = await run(['events', 'publish', '--namespace', namespace, '--json'], input)
  expect(first.code).toBe(0)
  const receipts = lines(first.stdout)
  expect(receipts).toHaveLength(count)
  expect(receipts.every((r) => r.stream === 'OCPP_IN' && r.duplicate === false)).toBe(true)
  const stored = await bus.getMessage(Streams.OCPP_IN, receipts[0].seq, OcppMessageReceived)
  expect(stored.subject).toBe(receipts[0].subject)
  expect(stored.headers['Chargebus-Event']).toEqual(['ocpp.message.received'])
  expect(stored.headers['Chargebus-Event-Version']).toEqual(['1'])
  expect(stored.msgId).toBe(receipts[0].msgId)
  expect(stored.data).toEqual(lines(input)[0].data)

  const again = await run(['events', 'publish', '--namespace', namespace], input)
  expect(again.code).toBe(0)
  expect(again.stdout.split('\n').filter((l) => l.startsWith('duplicate OCPP_IN'))).toHaveLength(count)
  expect(again.stderr).toBe(`published ${count} event(s), ${count} duplicate(s)\n`)
})

test('publish takes bare data with --subject and one JSON document', async () => {
  const [sample] = lines((await run(['events', 'generate', 'session.started', '--station', 'S.1'])).stdout)
  const out = await run(
    ['events', 'publish', '--namespace', namespace, '--subject', 'session.S%2E1.started', '--json'],
    JSON.stringify([sample.data]),
  )
  expect(out.code).toBe(0)
  expect(lines(out.stdout)[0]).toMatchObject({ event: 'session.started', stream: 'DOMAIN', duplicate: false })
})

test.each([
  [
    'one invalid event among valid ones',
    (valid: string) => `${valid}{"event":"ocpp.message.received","data":{"stationId":"X"}}\n`,
    /event \d+ \(ocpp\.message\.received@1\) is invalid: \/ must have required properties/,
  ],
  ['a line that is not JSON', (valid: string) => `${valid}{nope\n`, /line \d+ is not JSON/],
  [
    'an event not in the catalog',
    (valid: string) => `${valid}{"event":"no.such","data":{}}\n`,
    /no\.such@latest is not in the catalog/,
  ],
  ['bare data without --subject', (valid: string) => `${valid}{"stationId":"X"}\n`, /has no "event" field/],
  [
    'a subject its data does not give',
    (valid: string) => `${valid.replace('ocpp.in.1_6.CP-Q.Heartbeat', 'ocpp.in.1_6.OTHER.Heartbeat')}`,
    /gives subject ocpp\.in\.1_6\.CP-Q\.Heartbeat, not ocpp\.in\.1_6\.OTHER\.Heartbeat/,
  ],
])('publish refuses %s and publishes nothing', async (_, build, message) => {
  const valid = (await run(['events', 'generate', 'ocpp.in.1_6.CP-Q.Heartbeat'])).stdout
  const before = await storedCount()
  const out = await run(['events', 'publish', '--namespace', namespace], build(valid))
  expect(out.code).toBe(1)
  expect(out.stderr).toMatch(message)
  expect(out.stdout).toBe('')
  expect(await storedCount()).toBe(before)
})

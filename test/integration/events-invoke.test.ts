import { Readable } from 'node:stream'
import { createDb, type Database, type Kysely, sql } from '@chargebus/db'
import {
  createWorld,
  domainEvents,
  drained,
  type IngestWorld,
  SLOW,
  startTestIngest,
  type TestIngest,
} from '../../services/ingest/test/support/ingest.ts'
import { type CommandContext, runCli } from '../../tools/cli/src/index.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/database.ts'
import { NATS_URL } from '../support/nats.ts'

/*
 * The review loop's promise: `events generate | events invoke ingest station-messages` writes the same rows as the
 * bus path (`events publish` -> JetStream -> the real ingest consumer), each into a throwaway database of its own,
 * and prints the domain events the consumer publishes.
 */

function run(argv: string[], env: Record<string, string>, input?: string) {
  const out: string[] = []
  const err: string[] = []
  const ctx: CommandContext = {
    env: { NATS_URL, LOG_LEVEL: 'silent', ...env },
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    stdin: input === undefined ? undefined : Readable.from([input]),
  }
  return runCli(argv, ctx).then((code) => ({ code, stdout: out.join(''), stderr: err.join('') }))
}

/** Every row of every operational table, as JSON, minus columns the database stamps with its own clock. */
async function tables(db: Kysely<Database>): Promise<Record<string, unknown[]>> {
  const { rows: names } = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
       and c.relname not like 'kysely_%' and c.relname <> 'api_keys'
     order by 1`.execute(db)
  const out: Record<string, unknown[]> = {}
  for (const { name } of names) {
    const { rows: columns } = await sql<{ column_name: string }>`
      select column_name from information_schema.columns
       where table_schema = 'public' and table_name = ${name}
         and coalesce(column_default, '') not like '%now()%' and coalesce(column_default, '') not like 'nextval%'
       order by ordinal_position`.execute(db)
    const list = sql.join(columns.map((c) => sql.ref(c.column_name)))
    const { rows } = await sql<{ row: unknown }>`
      select row_to_json(t) as row from (select ${list} from ${sql.table(name)}) t order by t::text`.execute(
      db,
    )
    out[name] = rows.map((r) => r.row)
  }
  return out
}

let world: IngestWorld
let ingest: TestIngest
let invoked: ThrowawayDatabase
let invokedDb: Kysely<Database>
beforeAll(async () => {
  world = await createWorld()
  ingest = await startTestIngest(world)
  invoked = await createThrowawayDatabase()
  invokedDb = createDb({ url: invoked.adminUrl, poolSize: 1, applicationName: 'events-invoke-test' })
}, SLOW)
afterAll(async () => {
  await ingest?.close()
  await world?.close()
  await invokedDb?.destroy()
  await invoked?.drop()
}, SLOW)

test(
  'events invoke ingest station-messages writes the same rows as the real consumer fed through the bus',
  async () => {
    const generated = [
      await run(['events', 'generate', 'ocpp.message.received', '--station', 'CP.1'], {}),
      await run(['events', 'generate', 'ocpp.in.*.B%202.StatusNotification'], {}),
      await run(['events', 'generate', 'ocpp.in.1_6.*.Heartbeat', '--station', 'B 2', '--count', '3'], {}),
    ]
    for (const g of generated) expect(g.code).toBe(0)
    const input = generated.map((g) => g.stdout).join('')
    expect(input.trim().split('\n')).toHaveLength(9 + 2 + 3)

    const published = await run(['events', 'publish', '--namespace', world.namespace, '--json'], {}, input)
    expect(published.stderr).toBe('')
    expect(published.code).toBe(0)
    await drained(world)

    const invokedRun = await run(
      ['events', 'invoke', 'ingest', 'station-messages'],
      { DATABASE_URL: invoked.url },
      input,
    )
    expect(invokedRun.code).toBe(0)
    const printedLines = invokedRun.stdout.trim().split('\n')
    expect(invokedRun.stderr).toBe(
      `ingest station-messages: handled 14 event(s), published ${printedLines.length}\n`,
    )

    const viaBus = await tables(world.db)
    const viaInvoke = await tables(invokedDb)
    expect(viaBus).toMatchObject({
      stations: { length: 2 },
      connectors: { length: 2 },
      transactions: { length: 1 },
      status_events: { length: 4 },
      meter_values: { length: 1 },
      ingest_outbox: [],
    })
    expect(viaInvoke).toEqual(viaBus)

    // What the handler published: printed by invoke, on the DOMAIN stream on the bus path.
    const printed = printedLines
      .map((l) => JSON.parse(l).published)
      .map((p) => ({ subject: p.subject, msgId: p.msgId, data: p.data }))
    const onBus = (await domainEvents(world)).map((e) => ({
      subject: e.subject,
      msgId: e.msgId,
      data: e.data,
    }))
    const bySubject = (a: { msgId?: string }, b: { msgId?: string }) =>
      String(a.msgId).localeCompare(String(b.msgId))
    expect(printed.sort(bySubject)).toEqual(onBus.sort(bySubject))
    expect(printed.map((p) => p.subject)).toContain('session.CP%2E1.completed')
  },
  SLOW,
)

test('events invoke refuses an unknown handler, listing what exists, and events of another kind', async () => {
  const unknown = await run(['events', 'invoke', 'ingest', 'nope'], { DATABASE_URL: invoked.url }, '')
  expect(unknown.code).toBe(1)
  expect(unknown.stderr).toContain('no handler ingest nope; there are: ingest station-messages')
  const other = (await run(['events', 'generate', 'session.started'], {})).stdout
  const wrong = await run(
    ['events', 'invoke', 'ingest', 'station-messages'],
    { DATABASE_URL: invoked.url },
    other,
  )
  expect(wrong.code).toBe(1)
  expect(wrong.stderr).toContain(
    'event 1 is session.started@1; ingest station-messages handles ocpp.message.received@1',
  )
})

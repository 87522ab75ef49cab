import { sql } from '@chargebus/db'
import { kvKey, openKvBuckets } from '@chargebus/station-registry'
import {
  createWorld,
  domainEvents,
  eventually,
  type IngestWorld,
  startTestIngest,
  type TestIngest,
} from '../support/ingest.ts'

/*
 * Start-up independent of fleet size (issue 19): with 30,000 stations in Postgres and empty KV buckets, ingest is
 * ready (consuming) while the catch-up (outbox, offline marking, overdue sessions, the KV mirror of every
 * station) still runs in the background; the catch-up then finishes and has mirrored every station.
 */

const FLEET = 30_000
/** Stations last seen hours before ingest's clock: the offline sweep takes several chunks for them. */
const SILENT = 1_200
const SLOW = 300_000

let world: IngestWorld
let ingest: TestIngest | undefined

beforeAll(async () => {
  world = await createWorld()
  // One statement; 1,000 stations share each decision time, more than a page of the mirror, so paging must
  // break ties by id. Ingest's test clock is 2026-11-26T12:00Z.
  await sql`
    insert into stations (id, registration_status, registration_status_at, last_seen_at, heartbeat_interval_s)
    select 'CP-BULK-' || lpad(i::text, 5, '0'), 'Accepted',
           '2026-11-26T10:00:00Z'::timestamptz + (i / 1000) * interval '1 second',
           case when i < ${SILENT} then '2026-11-26T08:00:00Z'::timestamptz end, 60
      from generate_series(0, ${FLEET - 1}) as i`.execute(world.db)
}, SLOW)

afterAll(async () => {
  await ingest?.close()
  await world?.close()
}, SLOW)

test(
  'ingest is ready before the catch-up over 30,000 stations finished; the catch-up then mirrors every station',
  async () => {
    const events: string[] = []
    ingest = await startTestIngest(world)
    events.push('ready')
    const atReady = ingest.app.maintenance.catchUp()
    const finished = ingest.app.maintenance.catchUpFinished().then(() => events.push('catch-up finished'))

    // Ready means consuming, and /readyz says the catch-up is still running.
    expect(atReady.status).toBe('running')
    const during = await ingest.app.inject('/readyz')
    expect(during.statusCode).toBe(200)
    expect(during.json()).toMatchObject({ status: 'ok', background: { catchUp: { status: 'running' } } })
    expect(await ingest.app.metrics.getSingleMetricAsString('ingest_catchup_running')).toMatch(
      /^ingest_catchup_running(\{[^}]*\})? 1$/m,
    )

    await finished
    expect(events).toEqual(['ready', 'catch-up finished'])

    // Every station is in the gateway's cache, and the silent ones went offline with one event each.
    const kvs = await openKvBuckets(world.publisher)
    const keys = new Set<string>()
    for await (const key of await kvs.stations.keys()) keys.add(key)
    expect(keys.size).toBe(FLEET)
    expect(keys.has(kvKey('CP-BULK-00000'))).toBe(true)
    expect(keys.has(kvKey(`CP-BULK-${FLEET - 1}`))).toBe(true)
    const { rows } = await sql<{ n: number }>`
      select count(*)::integer as n from stations where offline_since is not null`.execute(world.db)
    expect(rows[0]?.n).toBe(SILENT)
    await eventually(
      async () => (await domainEvents(world)).filter((e) => e.name === 'station.offline').length === SILENT,
    )

    const after = await ingest.app.inject('/readyz')
    expect(after.json()).toMatchObject({
      background: { catchUp: { status: 'done', progress: { 'kv-mirror': FLEET, offline: SILENT } } },
    })
    expect(await ingest.app.metrics.getSingleMetricAsString('ingest_catchup_running')).toMatch(
      /^ingest_catchup_running(\{[^}]*\})? 0$/m,
    )
  },
  SLOW,
)

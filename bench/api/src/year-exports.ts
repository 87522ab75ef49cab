/**
 * The CSV exports of `pnpm bench:api --dataset year` (issue 20): the whole seeded period of sessions and of
 * meter values, each exported three ways in the same run:
 *
 * - `fast`: an HTTP client that reads as fast as it can: rows/s, bytes, seconds, and the API process's RSS
 *   before and its peak during the export (VmHWM reset before, and VmRSS sampled every 100 ms);
 * - `directCopy`: the same-run baseline, the API's own COPY statement (`exportSql`) run from this process
 *   through pgbouncer, read just as fast;
 * - `stalled`: a client that reads `BENCH_EXPORT_STALL_AFTER_BYTES`, then stops reading for
 *   `BENCH_EXPORT_STALL_S` while the API's RSS is sampled and Postgres is asked, every second, what the COPY
 *   does (pg_stat_progress_copy's tuples and the backend's wait event: the COPY runs on until the buffers on
 *   the way are full, then its tuples stop moving and it waits in ClientWrite), then reads the rest.
 *
 * Every run's rows are checked against the table's row count (no row lost); a mismatch is in the report and
 * makes the command exit 1. The API takes any range (`from`/`to` required, no cap), so each export is one
 * request over the whole period.
 */
import { type Database, type Kysely, sql } from '@chargebus/db'
import pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import { type ExportKind, exportSql } from '../../../services/api/src/data-access/exports.ts'
import { countLines, download } from './csv-download.ts'
import { memoryOf, resetPeak, sampleRss } from './process-memory.ts'

const STALL_S = Number(process.env.BENCH_EXPORT_STALL_S ?? 10)
const STALL_AFTER_BYTES = Number(process.env.BENCH_EXPORT_STALL_AFTER_BYTES ?? 1024 * 1024)
const RSS_EVERY_MS = 100
const log = (m: string) => process.stderr.write(`bench:api year exports: ${m}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const mb = (kb: number) => Math.round(kb / 102.4) / 10

const EXPORTS: Array<{ kind: ExportKind; path: string; table: 'transactions' | 'meter_values' }> = [
  { kind: 'sessions', path: '/v1/exports/sessions.csv', table: 'transactions' },
  { kind: 'meter-values', path: '/v1/exports/meter-values.csv', table: 'meter_values' },
]

export interface ExportTarget {
  apiUrl: string
  /** The API process, whose memory is measured. */
  apiPid: number
  /** An API key with scope bi. */
  key: string
  /** The bench database through pgbouncer (the baseline's path). */
  pooledUrl: string
  /** A direct connection to the bench database: row counts and pg_stat_activity. */
  admin: Kysely<Database>
  range: { from: string; to: string }
}

/** What the COPY serving an export is doing now: rows it has produced and what its backend waits on. */
async function copyState(admin: Kysely<Database>) {
  const { rows } = await sql<{
    tuples: string | null
    waitEventType: string | null
    waitEvent: string | null
  }>`
    select p.tuples_processed::text as tuples, a.wait_event_type as "waitEventType", a.wait_event as "waitEvent"
      from pg_stat_activity a left join pg_stat_progress_copy p on p.pid = a.pid
     where a.datname = current_database() and a.state = 'active' and a.query ilike 'copy (%'
       and a.pid <> pg_backend_pid()`.execute(admin)
  const [copy] = rows
  if (rows.length > 1) throw new Error(`${rows.length} COPYs running: the bench expects one at a time`)
  return copy
    ? { tuples: Number(copy.tuples), waitEventType: copy.waitEventType, waitEvent: copy.waitEvent }
    : null
}

function throughput(rows: number, bytes: number, seconds: number) {
  return {
    rows,
    bytes,
    seconds: Math.round(seconds * 100) / 100,
    rowsPerS: Math.round(rows / seconds),
    mbPerS: Math.round(bytes / 1024 / 1024 / seconds),
  }
}

/**
 * The API's memory around `work`: before it, at its peak (the kernel's high-water mark, reset first, and the
 * sampled maximum) and after it.
 */
async function withApiMemory<T>(pid: number, work: () => Promise<T>) {
  const before = await memoryOf(pid)
  await resetPeak(pid)
  const sampler = sampleRss(pid, RSS_EVERY_MS)
  const result = await work()
  const sampled = await sampler.stop()
  const after = await memoryOf(pid)
  return {
    result,
    apiRssMb: {
      before: mb(before.rssKb),
      peak: mb(Math.max(after.hwmKb, sampled.maxKb)),
      sampledMax: mb(sampled.maxKb),
      after: mb(after.rssKb),
      samples: sampled.samples,
    },
  }
}

/** The export read as fast as possible, with the API's memory before and at its peak. */
async function fast(t: ExportTarget, url: string) {
  const { result: got, apiRssMb } = await withApiMemory(t.apiPid, () =>
    download(url, { authorization: `Bearer ${t.key}` }),
  )
  return { ...throughput(got.lines - 1, got.bytes, got.seconds), apiRssMb }
}

/** The export by a client that stops reading for STALL_S after STALL_AFTER_BYTES, then reads the rest. */
async function stalled(t: ExportTarget, url: string) {
  const { result: got, apiRssMb } = await withApiMemory(t.apiPid, () =>
    download(
      url,
      { authorization: `Bearer ${t.key}` },
      {
        afterBytes: STALL_AFTER_BYTES,
        during: async () => {
          const atStart = await memoryOf(t.apiPid)
          const sampler = sampleRss(t.apiPid, RSS_EVERY_MS)
          const copy = []
          for (let s = 1; s <= STALL_S; s++) {
            await sleep(1000)
            copy.push(await copyState(t.admin))
          }
          const sampled = await sampler.stop()
          const [first, last] = [copy[0], copy.at(-1)]
          return {
            seconds: STALL_S,
            // The COPY's pace once the first second has filled the buffers on the way (compare the fast client's
            // rows/s); null when it had finished: the rest fit in those buffers.
            copyRowsPerSAfterFirstS:
              first && last ? Math.round((last.tuples - first.tuples) / (STALL_S - 1)) : null,
            copyWaitEventAtEnd: last ? `${last.waitEventType}:${last.waitEvent}` : null,
            copyTuplesPerS: copy.map((c) => c?.tuples ?? null),
            apiRssMb: { atStart: mb(atStart.rssKb), min: mb(sampled.minKb), max: mb(sampled.maxKb) },
          }
        },
      },
    ),
  )
  return {
    ...throughput(got.lines - 1, got.bytes, got.seconds),
    apiRssMb,
    stall: got.stalled,
  }
}

/** The baseline: the API's COPY statement straight through pgbouncer, read in this process. */
async function directCopy(t: ExportTarget, kind: ExportKind) {
  const client = new pg.Client({ connectionString: t.pooledUrl })
  await client.connect()
  try {
    const started = performance.now()
    let bytes = 0
    let lines = 0
    const stream = client.query(copyTo(exportSql(kind, t.range, (v) => client.escapeLiteral(v))))
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.byteLength
      lines += countLines(chunk)
    }
    return throughput(lines - 1, bytes, (performance.now() - started) / 1000)
  } finally {
    await client.end()
  }
}

/** Runs every export three ways; `allRowsArrived` is false when any run's rows differ from its table's. */
export async function runExports(t: ExportTarget) {
  const query = `from=${t.range.from}&to=${t.range.to}`
  const results = []
  for (const e of EXPORTS) {
    const url = `${t.apiUrl}${e.path}?${query}`
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from ${sql.table(e.table)}`.execute(
      t.admin,
    )
    const tableRows = Number(rows[0]?.n)
    log(`${e.path}: ${tableRows.toLocaleString('en')} rows in ${e.table}; fast client...`)
    const api = await fast(t, url)
    log(
      `${e.path}: API ${api.rows.toLocaleString('en')} rows in ${api.seconds} s (${api.rowsPerS} rows/s, ${api.mbPerS} MB/s), API RSS ${api.apiRssMb.before} MB before, peak ${api.apiRssMb.peak} MB; direct COPY...`,
    )
    const direct = await directCopy(t, e.kind)
    log(`${e.path}: direct COPY ${direct.rowsPerS} rows/s; stalling client (${STALL_S} s)...`)
    const stall = await stalled(t, url)
    log(
      `${e.path}: stalled client ${stall.rows.toLocaleString('en')} rows; COPY ${stall.stall?.copyRowsPerSAfterFirstS} rows/s after the first second (${stall.stall?.copyWaitEventAtEnd}, rows produced ${stall.stall?.copyTuplesPerS.join(' ')}), API RSS during the stall ${stall.stall?.apiRssMb.min}-${stall.stall?.apiRssMb.max} MB, peak of the run ${stall.apiRssMb.peak} MB`,
    )
    results.push({
      route: `GET ${e.path}?${query}`,
      tableRows,
      allRowsArrived: [api, direct, stall].every((r) => r.rows === tableRows),
      api,
      directCopy: direct,
      ratioToDirect: Math.round((api.rowsPerS / Math.max(1, direct.rowsPerS)) * 100) / 100,
      stalledClient: stall,
    })
  }
  return {
    stallSeconds: STALL_S,
    stallAfterBytes: STALL_AFTER_BYTES,
    rssSampleEveryMs: RSS_EVERY_MS,
    allRowsArrived: results.every((r) => r.allRowsArrived),
    results,
  }
}

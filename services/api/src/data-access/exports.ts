import type { Readable } from 'node:stream'
import type pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'

export type ExportKind = 'sessions' | 'meter-values'

export interface ExportFilter {
  from: string
  to: string
  station?: string | undefined
}

/** Streams CSV exports straight out of Postgres (`COPY ... TO STDOUT`), never holding the result. */
export interface Exporter {
  /**
   * A readable CSV stream (header line first). The pool connection is held until the stream ends, fails or
   * is destroyed (client gone: the connection is discarded, which ends the COPY server-side).
   */
  open(kind: ExportKind, filter: ExportFilter): Promise<Readable>
  /**
   * The same for a `COPY ... TO STDOUT` statement built elsewhere (the aggregate exports), given the
   * connection's literal escaping (COPY takes no bind parameters).
   */
  openCopy(statement: (literal: (value: string) => string) => string): Promise<Readable>
}

const utc = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

/** A station-controlled text column made inert for spreadsheets (`bi.csv_text`, CSV injection). */
function inert(column: string): string {
  return `bi.csv_text(${column}) as ${column}`
}

/**
 * The COPY statement of an export. COPY takes no bind parameters, so values are escaped literals (pg's
 * escapeLiteral); they were schema-validated before. Reads the `bi` views: the export is the BI contract.
 */
export function exportSql(kind: ExportKind, f: ExportFilter, literal: (value: string) => string): string {
  const station = f.station === undefined ? '' : ` and station_id = ${literal(f.station)}`
  const range = (column: string) =>
    `${column} >= ${literal(f.from)}::timestamptz and ${column} < ${literal(f.to)}::timestamptz`
  const select =
    kind === 'sessions'
      ? `select session_id, ${inert('station_id')}, connector_id, ${inert('id_tag')}, state,
           ${utc('started_at')} as started_at, ${utc('stopped_at')} as stopped_at, meter_start_wh, meter_stop_wh,
           energy_wh, duration_s, ${inert('stop_reason')}
           from bi.sessions where ${range('coalesce(started_at, stopped_at)')}${station}
           order by coalesce(started_at, stopped_at), session_id`
      : `select ${inert('station_id')}, connector_id, session_id, ${utc('sampled_at')} as sampled_at,
           ${inert('measurand')}, ${inert('phase')}, ${inert('location')}, ${inert('context')}, value,
           ${inert('unit')}, ${inert('value_raw')}, ${inert('unit_raw')}
           from bi.meter_values where ${range('sampled_at')}${station}`
  return `copy (${select}) to stdout with (format csv, header)`
}

export function createExporter(pool: pg.Pool): Exporter {
  return {
    open: (kind, filter) => copyOut(pool, (literal) => exportSql(kind, filter, literal)),
    openCopy: (statement) => copyOut(pool, statement),
  }
}

async function copyOut(
  pool: pg.Pool,
  statement: (literal: (value: string) => string) => string,
): Promise<Readable> {
  const client = await pool.connect()
  let released = false
  const release = (err?: Error) => {
    if (released) return
    released = true
    client.release(err)
  }
  let stream: Readable
  try {
    stream = client.query(copyTo(statement((v) => client.escapeLiteral(v))))
  } catch (err) {
    release(err as Error)
    throw err
  }
  let ended = false
  stream.once('end', () => {
    ended = true
    release()
  })
  stream.once('error', (err) => release(err))
  // Destroyed before the end (client went away): the connection is mid-COPY, so it is discarded.
  stream.once('close', () => release(ended ? undefined : new Error('export aborted')))
  return stream
}

/*
 * Reading a meter log: CSV text in, validated rows out, streaming. Pure (no I/O): the caller hands in the bytes
 * as an async iterable (an object-storage stream, or a test's generator) and decides what to do with the rows.
 */

import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { v16 } from '@chargebus/ocpp'
import { CsvError, parse } from 'csv-parse'
import { MeterLogRejected } from './errors.ts'
import {
  type CellProblem,
  decimalCell,
  integerCell,
  isCellProblem,
  looksLikeFormula,
  show,
  timestampCell,
} from './meter-log-cells.ts'
import { type MeterLogField, type MeterLogProfile, OPTIONAL_FIELDS } from './meter-log-profile.ts'

/** One row of a meter log, checked: what `ftp.file.parsed` carries. */
export interface MeterLogRow {
  readonly line: number
  /** ISO 8601, UTC. */
  readonly sampledAt: string
  readonly connectorId: number
  readonly transactionId: number | null
  readonly measurand: string
  readonly phase: string | null
  readonly location: string
  readonly unit: string
  /** The decimal text of the file. */
  readonly value: string
}

export interface MeterLogLimits {
  /** A longer line (record) is refused as soon as its buffer passes this: memory stays bounded. */
  readonly maxLineChars: number
  /** A file with more rows is refused. */
  readonly maxRows: number
}

const MEASURANDS: ReadonlySet<string> = new Set(v16.cs.Measurand.enum)
const UNITS: ReadonlySet<string> = new Set(v16.cs.UnitOfMeasure.enum)
const PHASES: ReadonlySet<string> = new Set(v16.cs.Phase.enum)
const LOCATIONS: ReadonlySet<string> = new Set(v16.cs.Location.enum)
const DEFAULT_MEASURAND = 'Energy.Active.Import.Register'
const INT_MAX = 2_147_483_647

/**
 * The rows of a meter log, one at a time, as the bytes stream in. Throws `MeterLogRejected` (line, code, reason)
 * at the first line that is wrong: a bad column count, a cell that starts like a spreadsheet formula, an
 * unparsable timestamp or number, a measurand, unit, phase or location OCPP 1.6 does not know, a line longer than
 * `limits.maxLineChars`, more than `limits.maxRows` rows, a malformed quote. Callers that must not import half a
 * file read it whole first (see `parse-meter-log.ts`). Empty lines are skipped; a UTF-8 BOM is ignored.
 *
 * ### Examples
 * ```ts
 * for await (const row of readMeterLog(['2026-11-26T10:15:00Z,1,Energy.Active.Import.Register,15.2,kWh\n'],
 *   DEFAULT_METER_LOG_PROFILE, { maxLineChars: 4096, maxRows: 1000 }))
 *   row.sampledAt // '2026-11-26T10:15:00.000Z'
 * ```
 */
export async function* readMeterLog(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  profile: MeterLogProfile,
  limits: MeterLogLimits,
): AsyncGenerator<MeterLogRow> {
  // Where the last complete record ended, as the parser reads it (the iterator may drop records buffered
  // before a parser error): the start of a record whose quote never closes.
  const position = { lastLine: 0 }
  const parser = parse({
    delimiter: profile.delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: limits.maxLineChars,
    on_record: (record, context) => {
      position.lastLine = context.lines
      return record
    },
  })
  const input = Readable.from(chunks, { objectMode: false })
  // Errors surface through the parser's iteration; the pipeline destroys the source when the parser stops.
  const flowing = pipeline(input, parser).catch(() => {})
  try {
    yield* readRows(parser, profile, limits)
  } catch (err) {
    throw rejectionOf(err, limits, position.lastLine + 1)
  } finally {
    parser.destroy()
    input.destroy()
    await flowing
  }
}

async function* readRows(
  records: AsyncIterable<{ record: string[]; info: { lines: number } }>,
  profile: MeterLogProfile,
  limits: MeterLogLimits,
): AsyncGenerator<MeterLogRow> {
  const required = requiredColumns(profile.columns)
  let first = true
  let rows = 0
  for await (const { record, info } of records) {
    const line = info.lines
    if (first) {
      first = false
      if (profile.header !== 'none' && isHeader(record, profile, required)) continue
      if (profile.header === 'required')
        throw new MeterLogRejected(
          line,
          'header',
          `expected the header ${headerOf(profile).join(profile.delimiter)}`,
        )
    }
    if (record.length < required || record.length > profile.columns.length)
      throw new MeterLogRejected(
        line,
        'column-count',
        `${record.length} columns, expected ${required === profile.columns.length ? required : `${required} to ${profile.columns.length}`}`,
      )
    if (++rows > limits.maxRows)
      throw new MeterLogRejected(line, 'too-many-rows', `more than ${limits.maxRows} rows`)
    yield rowOf(record, line, profile)
  }
}

function rowOf(record: readonly string[], line: number, profile: MeterLogProfile): MeterLogRow {
  const cells: Partial<Record<MeterLogField, string>> = {}
  record.forEach((cell, i) => {
    const field = profile.columns[i] as MeterLogField
    if (looksLikeFormula(cell))
      throw new MeterLogRejected(
        line,
        'formula',
        `${columnName(i, field)}: ${show(cell)} starts like a spreadsheet formula`,
      )
    cells[field] = cell.trim()
  })
  const at = (field: MeterLogField) => profile.columns.indexOf(field)
  const check = <T>(field: MeterLogField, result: T | CellProblem): Exclude<T, CellProblem> => {
    if (isCellProblem(result))
      throw new MeterLogRejected(line, result.problem, `${columnName(at(field), field)}: ${result.reason}`)
    return result as Exclude<T, CellProblem>
  }
  const known = (
    field: MeterLogField,
    value: string,
    set: ReadonlySet<string>,
    code: 'measurand' | 'unit' | 'phase' | 'location',
  ) => {
    if (!set.has(value))
      throw new MeterLogRejected(
        line,
        code,
        `${columnName(at(field), field)}: ${show(value)} is not an OCPP 1.6 ${code}`,
      )
    return value
  }
  const transaction = cells.transaction_id ?? ''
  const phase = cells.phase ?? ''
  return {
    line,
    sampledAt: check('timestamp', timestampCell(cells.timestamp ?? '', profile.timestampFormat)),
    connectorId: check('connector_id', integerCell(cells.connector_id ?? '', 0, INT_MAX)),
    transactionId: transaction === '' ? null : check('transaction_id', integerCell(transaction, 1, INT_MAX)),
    measurand: known(
      'measurand',
      cells.measurand || profile.measurand || DEFAULT_MEASURAND,
      MEASURANDS,
      'measurand',
    ),
    phase: phase === '' ? null : known('phase', phase, PHASES, 'phase'),
    location: known('location', cells.location || 'Outlet', LOCATIONS, 'location'),
    unit: known('unit', cells.unit || profile.unit || '', UNITS, 'unit'),
    value: check('value', decimalCell(cells.value ?? '')),
  }
}

/** Columns up to the last one a line must have (optional fields at the end may be left out). */
function requiredColumns(columns: readonly MeterLogField[]): number {
  let n = columns.length
  while (n > 0 && OPTIONAL_FIELDS.has(columns[n - 1] as MeterLogField)) n--
  return n
}

function headerOf(profile: MeterLogProfile): readonly string[] {
  return profile.headerNames ?? profile.columns
}

function isHeader(record: readonly string[], profile: MeterLogProfile, required: number): boolean {
  const names = headerOf(profile)
  if (record.length < required || record.length > names.length) return false
  return record.every((cell, i) => cell.trim().toLowerCase() === names[i]?.toLowerCase())
}

function columnName(index: number, field: MeterLogField): string {
  return index < 0 ? field : `column ${index + 1} (${field})`
}

/**
 * A parser error as a rejection. The parser names the line it stopped on; for a quote left open that is the end
 * of the file, so the line is the one after the last good record (`nextLine`), where the broken record starts.
 */
function rejectionOf(err: unknown, limits: MeterLogLimits, nextLine: number): unknown {
  if (!isCsvError(err)) return err
  const line = Math.max(1, Math.min(err.lines ?? nextLine, nextLine))
  if (err.code === 'CSV_MAX_RECORD_SIZE')
    return new MeterLogRejected(
      Math.max(1, err.lines ?? nextLine),
      'line-too-long',
      `longer than ${limits.maxLineChars} characters`,
    )
  // The parser's own message names the line; the reason keeps its first sentence.
  return new MeterLogRejected(line, 'malformed', (err.message.split(':')[0] ?? err.code).slice(0, 200))
}

function isCsvError(err: unknown): err is CsvError & { lines?: number } {
  return err instanceof CsvError
}

/*
 * Which uploads are meter logs, and how their columns read. Pure: no I/O.
 */

/** A field of a meter-log row a column can hold; `skip` ignores the column. */
export const METER_LOG_FIELDS = [
  'timestamp',
  'connector_id',
  'measurand',
  'value',
  'unit',
  'transaction_id',
  'phase',
  'location',
  'skip',
] as const

export type MeterLogField = (typeof METER_LOG_FIELDS)[number]

/** How a timestamp cell is written: ISO 8601 with an offset (`Z` or `+01:00`), or Unix seconds/milliseconds. */
export type TimestampFormat = 'iso8601' | 'unix-s' | 'unix-ms'

/** A CSV dialect of meter logs. */
export interface MeterLogProfile {
  readonly name: string
  /** Globs (`*`, `?`; case-insensitive) a file name must match. */
  readonly files: readonly string[]
  /** Globs of station identities the profile is limited to; absent: every station. */
  readonly stations?: readonly string[]
  /** Column by column, the field it holds. Trailing optional columns (transaction_id, phase, location, skip) may be missing on a line. */
  readonly columns: readonly MeterLogField[]
  /** The header's cells when a vendor names its columns differently; default the field names. */
  readonly headerNames?: readonly string[]
  /** `optional`: line 1 is the header when it reads as one, else data; `required`; `none`: line 1 is data. */
  readonly header: 'optional' | 'required' | 'none'
  /** One character; default `,`. */
  readonly delimiter: string
  readonly timestampFormat: TimestampFormat
  /** The measurand of every row when no column holds one. */
  readonly measurand?: string
  /** The unit of every row when no column holds one. */
  readonly unit?: string
}

/** Fields a line may leave out (trailing empty columns of a shorter line). */
export const OPTIONAL_FIELDS: ReadonlySet<MeterLogField> = new Set([
  'transaction_id',
  'phase',
  'location',
  'skip',
])

/**
 * The default profile, for `*.csv`: `timestamp,connector_id,measurand,value,unit[,transaction_id]`, comma
 * separated, ISO 8601 timestamps with an offset, the header line optional.
 */
export const DEFAULT_METER_LOG_PROFILE: MeterLogProfile = {
  name: 'default',
  files: ['*.csv'],
  columns: ['timestamp', 'connector_id', 'measurand', 'value', 'unit', 'transaction_id'],
  header: 'optional',
  delimiter: ',',
  timestampFormat: 'iso8601',
}

/**
 * The profile an upload is read with: the first configured profile whose file (and station) globs match, else
 * the default profile for `*.csv`; `undefined` means the file is not a meter log (diagnostics archives, firmware
 * logs...) and is not parsed.
 *
 * ### Examples
 * ```ts
 * meterLogProfileFor([], 'CP-1', 'meter-20261126.CSV')?.name // 'default'
 * meterLogProfileFor([], 'CP-1', 'diagnostics.zip') // undefined
 * ```
 */
export function meterLogProfileFor(
  profiles: readonly MeterLogProfile[],
  stationId: string,
  fileName: string,
): MeterLogProfile | undefined {
  return [...profiles, DEFAULT_METER_LOG_PROFILE].find(
    (p) =>
      p.files.some((g) => globMatches(g, fileName)) &&
      (p.stations === undefined || p.stations.some((g) => globMatches(g, stationId))),
  )
}

/** Whether `text` matches `glob` as a whole: `*` any run of characters, `?` one; case-insensitive. */
export function globMatches(glob: string, text: string): boolean {
  const pattern = [...glob]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('')
  return new RegExp(`^${pattern}$`, 'isu').test(text)
}

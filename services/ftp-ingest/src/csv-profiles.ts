import { v16 } from '@chargebus/ocpp'
import { ConfigError } from '@chargebus/platform'
import { type Static, Type } from 'typebox'
import { Value } from 'typebox/value'
import type { FtpIngestConfig } from './config.ts'
import { METER_LOG_FIELDS, type MeterLogField, type MeterLogProfile } from './domain/meter-log-profile.ts'

/** One vendor's CSV profile as `FTP_CSV_PROFILES` writes it (JSON); see the README for every field. */
export const CsvProfileSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    files: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: 32 }),
    stations: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: 256 }),
    ),
    columns: Type.Array(Type.Enum(METER_LOG_FIELDS), { minItems: 1, maxItems: 64 }),
    headerNames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })),
    header: Type.Optional(
      Type.Union([Type.Literal('optional'), Type.Literal('required'), Type.Literal('none')]),
    ),
    delimiter: Type.Optional(Type.String({ pattern: '^[^"\\r\\n]$' })),
    timestampFormat: Type.Optional(
      Type.Union([Type.Literal('iso8601'), Type.Literal('unix-s'), Type.Literal('unix-ms')]),
    ),
    measurand: Type.Optional(v16.cs.Measurand),
    unit: Type.Optional(v16.cs.UnitOfMeasure),
  },
  { additionalProperties: false },
)

export type CsvProfileSetting = Static<typeof CsvProfileSchema>

const REQUIRED_FIELDS: readonly MeterLogField[] = ['timestamp', 'connector_id', 'value']

/**
 * The meter-log profiles of `FTP_CSV_PROFILES` (a JSON array), checked at start-up: the schema, then what a schema
 * cannot say (timestamp, connector_id and value once each, a unit column or a fixed unit, one header name per
 * column, unique names). Unset: none (the default profile still reads `*.csv`).
 *
 * ### Examples
 * ```ts
 * csvProfilesFrom(loadConfig(FtpIngestConfig, {
 *   FTP_CSV_PROFILES: '[{"name":"acme","files":["acme-*.log"],"columns":["timestamp","connector_id","value"],"unit":"Wh","delimiter":";"}]',
 * }))[0].delimiter // ';'
 * ```
 */
export function csvProfilesFrom(config: Pick<FtpIngestConfig, 'FTP_CSV_PROFILES'>): MeterLogProfile[] {
  const raw = config.FTP_CSV_PROFILES
  if (raw === undefined) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw invalid('a JSON array of CSV profiles (the JSON does not parse)', raw)
  }
  const list = Type.Array(CsvProfileSchema, { maxItems: 64 })
  if (!Value.Check(list, parsed)) {
    const first = [...Value.Errors(list, parsed)][0]
    throw invalid(
      `a JSON array of CSV profiles (${first?.instancePath || '/'} ${first?.message ?? 'is invalid'})`,
      raw,
    )
  }
  const names = new Set<string>(['default'])
  return parsed.map((p, i) => {
    const problem = profileProblem(p)
    if (problem !== undefined || names.has(p.name))
      throw invalid(
        `a JSON array of CSV profiles (profile ${i + 1}: ${problem ?? `the name ${p.name} is taken`})`,
        raw,
      )
    names.add(p.name)
    return {
      name: p.name,
      files: p.files,
      ...(p.stations === undefined ? {} : { stations: p.stations }),
      columns: p.columns,
      ...(p.headerNames === undefined ? {} : { headerNames: p.headerNames }),
      header: p.header ?? 'optional',
      delimiter: p.delimiter ?? ',',
      timestampFormat: p.timestampFormat ?? 'iso8601',
      ...(p.measurand === undefined ? {} : { measurand: p.measurand }),
      ...(p.unit === undefined ? {} : { unit: p.unit }),
    }
  })
}

function profileProblem(p: CsvProfileSetting): string | undefined {
  for (const field of METER_LOG_FIELDS) {
    const n = p.columns.filter((c) => c === field).length
    if (REQUIRED_FIELDS.includes(field) && n !== 1) return `columns must hold ${field} once`
    if (field !== 'skip' && n > 1) return `columns hold ${field} twice`
  }
  if (!p.columns.includes('unit') && p.unit === undefined) return 'no unit column and no unit'
  if (p.headerNames !== undefined && p.headerNames.length !== p.columns.length)
    return 'headerNames must name every column'
  return undefined
}

function invalid(expected: string, got: string): ConfigError {
  return new ConfigError([
    { variable: 'FTP_CSV_PROFILES', expected, got: got.length > 200 ? `${got.slice(0, 200)}...` : got },
  ])
}

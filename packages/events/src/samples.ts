import type { TSchema } from 'typebox'
import { catalog } from './catalog.ts'
import type { AnyEventDefinition } from './define-event.ts'
import { NoSampleError } from './errors.ts'
import { decodeSubjectToken } from './subject-token.ts'

/** One generated event: what `chargebus events generate` prints (one JSON line) and `events publish` reads. */
export interface EventSample {
  event: string
  version: number
  /** Logical subject (`subjectOf(data)`). */
  subject: string
  data: unknown
}

export interface SampleOptions {
  /** Station identities put into each sample (`stationId`); default: the subject's station, else the example's. */
  stations?: readonly string[]
  /** Copies of each sample per station (default 1): the i-th gets `messageId` + `-i` and timestamps i s later. */
  count?: number
}

const PLACEHOLDER = /^\{([A-Za-z][A-Za-z0-9]*)\}$/

/**
 * Valid samples of catalog events, made from their `examples`: `query` is an event name (`name` or
 * `name@version`), a subject (`ocpp.in.1_6.CP-7.BootNotification`) or a subject filter with `*`
 * (`ocpp.in.*.*.MeterValues`). A station in the subject becomes the samples' station. Every sample is
 * validated by its definition before it is returned. Throws {@link NoSampleError} naming the events that exist.
 *
 * ### Examples
 * ```ts
 * sampleEvents('session.started', { stations: ['CP.7'] })
 * // [{ event: 'session.started', version: 1, subject: 'session.CP%2E7.started', data: { stationId: 'CP.7', ... } }]
 * sampleEvents('ocpp.in.1_6.CP-7.StartTransaction') // the StartTransaction example, station CP-7
 * ```
 */
export function sampleEvents(
  query: string,
  opts: SampleOptions = {},
  events: readonly AnyEventDefinition[] = catalog,
): EventSample[] {
  const count = opts.count ?? 1
  if (!Number.isInteger(count) || count < 1)
    throw new NoSampleError(query, 'count must be a positive integer')
  const out: EventSample[] = []
  for (const def of events) {
    const match = matchQuery(def, query)
    if (match === undefined) continue
    const stations = opts.stations?.length
      ? opts.stations
      : match.station === undefined
        ? []
        : [match.station]
    if (stations.length > 0 && !hasStationId(def.schema)) {
      throw new NoSampleError(query, `${def.name} has no station (stationId) to set`)
    }
    const examples = def.examples.filter((example) => {
      const params = def.subject.parse(def.subjectOf(example)) ?? {}
      return Object.entries(match.fixed).every(([k, v]) => (params as Record<string, string>)[k] === v)
    })
    for (const station of stations.length > 0 ? stations : [undefined]) {
      for (const example of examples) {
        for (let i = 0; i < count; i++) out.push(sampleOf(def, example, station, i))
      }
    }
  }
  if (out.length === 0) {
    const names = events.map((e) => `${e.name} (${e.subject.pattern})`).join(', ')
    throw new NoSampleError(query, `no catalog event or example matches; the catalog has ${names}`)
  }
  return out
}

interface QueryMatch {
  /** Placeholder values the examples must have (the station excepted: it is substituted). */
  fixed: Record<string, string>
  station: string | undefined
}

function matchQuery(def: AnyEventDefinition, query: string): QueryMatch | undefined {
  if (query === def.name || query === `${def.name}@${def.version}`) return { fixed: {}, station: undefined }
  const pattern = def.subject.pattern.split('.')
  const tokens = query.split('.')
  if (tokens.length !== pattern.length) return undefined
  const fixed: Record<string, string> = {}
  let station: string | undefined
  for (const [i, part] of pattern.entries()) {
    const token = tokens[i] as string
    const placeholder = PLACEHOLDER.exec(part)?.[1]
    if (placeholder === undefined) {
      if (token !== part && token !== '*') return undefined
      continue
    }
    if (token === '*') continue
    let value: string
    try {
      value = decodeSubjectToken(token)
    } catch {
      return undefined
    }
    if (placeholder === 'station') station = value
    else fixed[placeholder] = value
  }
  return { fixed, station }
}

function sampleOf(
  def: AnyEventDefinition,
  example: unknown,
  station: string | undefined,
  i: number,
): EventSample {
  const data = structuredClone(example) as Record<string, unknown>
  if (station !== undefined) data.stationId = station
  if (i > 0) vary(def.schema, data, i)
  const valid = def.parse(data)
  return { event: def.name, version: def.version, subject: def.subjectOf(valid), data: valid }
}

/** The i-th copy: a distinct `messageId` and top-level timestamps i seconds later. */
function vary(schema: TSchema, data: Record<string, unknown>, i: number): void {
  const properties = (schema as { properties?: Record<string, { format?: string }> }).properties ?? {}
  for (const [key, prop] of Object.entries(properties)) {
    const value = data[key]
    if (typeof value !== 'string') continue
    if (key === 'messageId') data[key] = `${value}-${i}`
    else if (prop.format === 'date-time') data[key] = new Date(Date.parse(value) + i * 1000).toISOString()
  }
}

function hasStationId(schema: TSchema): boolean {
  return Object.hasOwn((schema as { properties?: object }).properties ?? {}, 'stationId')
}

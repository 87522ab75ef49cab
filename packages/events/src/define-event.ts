import type { Static, TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { InvalidEventError, InvalidSubjectPatternError, type ValidationIssue } from './errors.ts'
import type { StreamDefinition } from './streams.ts'
import {
  type SubjectParams,
  type SubjectTemplate,
  subjectMatches,
  subjectTemplate,
} from './subject-pattern.ts'

/**
 * One event of the catalog: name, version, stream, subject and schema. The schema gives the TS type
 * (`EventData<typeof X>`), the runtime validator and the docs.
 */
export interface EventDefinition<N extends string = string, S extends TSchema = TSchema> {
  /** Stable name, e.g. `ocpp.message.received`; with `version`, identifies the schema. */
  readonly name: N
  /** Incremented on any change that is not backward compatible; both versions then live side by side. */
  readonly version: number
  readonly stream: StreamDefinition
  readonly description: string
  readonly schema: S
  readonly subject: SubjectTemplate
  /**
   * Realistic samples, valid against the schema (a unit test checks it): docs, `chargebus events generate` and
   * tests start from them. Never mutate them: copy (`structuredClone`) first.
   */
  readonly examples: readonly Static<S>[]
  /** The logical subject of one event (the bus adds its namespace). */
  subjectOf(data: Static<S>): string
  /** Type guard: whether `value` matches the schema. */
  check(value: unknown): value is Static<S>
  /** What is wrong with `value` (empty when valid). */
  issues(value: unknown): ValidationIssue[]
  /** Returns `value` typed when it matches, else throws {@link InvalidEventError}. */
  parse(value: unknown): Static<S>
}

/** Any definition; use in collections and generic code. */
// biome-ignore lint/suspicious/noExplicitAny: the schema parameter must stay open for any event
export type AnyEventDefinition = EventDefinition<string, any>

/** The data type of an event, e.g. `EventData<typeof OcppMessageReceived>`. */
export type EventData<E extends AnyEventDefinition> = Static<E['schema']>

export interface EventSpec<N extends string, S extends TSchema, P extends string> {
  name: N
  version: number
  stream: StreamDefinition
  description: string
  schema: S
  /** Subject with `{placeholders}`, e.g. `session.{station}.started`; must fall under one of the stream's subjects. */
  subject: P
  /** Placeholder values taken from the event (raw; they are encoded as subject tokens). */
  subjectParams: (data: Static<S>) => Record<SubjectParams<P>, string>
  /** At least one realistic sample of the event (see {@link EventDefinition.examples}). */
  examples: readonly [Static<S>, ...Static<S>[]]
}

const MAX_ISSUES = 10

/**
 * ### Examples
 * ```ts
 * export const SessionStarted = defineEvent({
 *   name: 'session.started',
 *   version: 1,
 *   stream: Streams.DOMAIN,
 *   description: 'A charging session started on a connector.',
 *   subject: 'session.{station}.started',
 *   subjectParams: (e) => ({ station: e.stationId }),
 *   schema: Type.Object({ stationId: Type.String(), sessionId: Type.String() }),
 *   examples: [{ stationId: 'CP-0001', sessionId: 's-1' }],
 * })
 * ```
 */
export function defineEvent<const N extends string, S extends TSchema, const P extends string>(
  spec: EventSpec<N, S, P>,
): EventDefinition<N, S> {
  const template = subjectTemplate(spec.subject)
  if (!spec.stream.subjects.some((s) => subjectMatches(s, template.filter))) {
    throw new InvalidSubjectPatternError(spec.subject, `outside stream ${spec.stream.name}`)
  }
  const validator = Compile(spec.schema)
  const issues = (value: unknown): ValidationIssue[] =>
    validator
      .Errors(value)
      .slice(0, MAX_ISSUES)
      .map((e) => ({ path: e.instancePath, message: e.message }))

  return Object.freeze({
    name: spec.name,
    version: spec.version,
    stream: spec.stream,
    description: spec.description,
    schema: spec.schema,
    subject: template,
    examples: Object.freeze([...spec.examples]),
    subjectOf: (data: Static<S>) => template.build(spec.subjectParams(data)),
    check: (value: unknown): value is Static<S> => validator.Check(value),
    issues,
    parse(value: unknown): Static<S> {
      if (validator.Check(value)) return value as Static<S>
      throw new InvalidEventError(`${spec.name}@${spec.version}`, issues(value))
    },
  })
}

import { catalog, Streams } from '@chargebus/events'
import { NotArchivedStream } from './errors.ts'

/**
 * The streams the archiver copies: everything that carries station traffic or its consequences.
 * AGGREGATES is recomputable; restore and replay streams are copies.
 */
export const ARCHIVED_STREAMS = ['OCPP_IN', 'DOMAIN', 'COMMANDS', 'FTP', 'DEAD_LETTERS'] as const
export type ArchivedStream = (typeof ARCHIVED_STREAMS)[number]

export function isArchivedStream(name: string): name is ArchivedStream {
  return (ARCHIVED_STREAMS as readonly string[]).includes(name)
}

/** Checks a stream name from the command line or an HTTP request. */
export function archivedStream(name: string): ArchivedStream {
  if (!isArchivedStream(name) || !Object.hasOwn(Streams, name)) throw new NotArchivedStream(name)
  return name
}

/** Sequences are padded to 20 digits (a uint64) so that keys sort as numbers do. */
export function padSeq(seq: number): string {
  return String(seq).padStart(20, '0')
}

const HOUR_MS = 3_600_000

/** Start of the UTC hour of `time`, in ms. */
export function hourOf(time: Date): number {
  return Math.floor(time.getTime() / HOUR_MS) * HOUR_MS
}

/**
 * `archive/<STREAM>/<yyyy>/<mm>/<dd>/<hh>/<prefix>/<firstSeq>-<lastSeq>.jsonl.gz`. Pure.
 *
 * ### Examples
 * ```ts
 * objectKey('OCPP_IN', Date.parse('2026-12-06T08:00:00Z'), 'ocpp.in', 1, 250)
 * // 'archive/OCPP_IN/2026/12/06/08/ocpp.in/00000000000000000001-00000000000000000250.jsonl.gz'
 * ```
 */
export function objectKey(
  stream: string,
  hourMs: number,
  prefix: string,
  firstSeq: number,
  lastSeq: number,
): string {
  const [date, time] = new Date(hourMs).toISOString().split('T') as [string, string]
  const [y, m, d] = date.split('-')
  return `archive/${stream}/${y}/${m}/${d}/${time.slice(0, 2)}/${prefix}/${padSeq(firstSeq)}-${padSeq(lastSeq)}.jsonl.gz`
}

/** Where a stream's manifests live; keys sort by first sequence. */
export function manifestPrefix(stream: string): string {
  return `archive/${stream}/manifests/`
}

/** `archive/<STREAM>/manifests/<firstSeq padded>.json`: the commit point of a batch. */
export function manifestKey(stream: string, firstSeq: number): string {
  return `${manifestPrefix(stream)}${padSeq(firstSeq)}.json`
}

/** Every object of a stream, manifests included. */
export function streamPrefix(stream: string): string {
  return `archive/${stream}/`
}

/** The literal leading tokens of every catalog subject pattern, longest first. */
const LITERAL_PREFIXES: readonly string[][] = [
  ...new Set(
    catalog.map((e) => {
      const tokens = e.subject.pattern.split('.')
      const literal = tokens.slice(
        0,
        Math.max(
          1,
          tokens.findIndex((t) => t.startsWith('{')),
        ),
      )
      return literal.join('.')
    }),
  ),
]
  .map((p) => p.split('.'))
  .sort((a, b) => b.length - a.length)

/**
 * The group of a logical subject in the archive layout: the literal leading tokens of its catalog subject
 * pattern (`ocpp.in`, `session`, `cmd`, `dlq`), else its first token. Pure.
 */
export function subjectPrefixOf(subject: string): string {
  const tokens = subject.split('.')
  for (const prefix of LITERAL_PREFIXES) {
    if (prefix.length < tokens.length && prefix.every((t, i) => tokens[i] === t)) return prefix.join('.')
  }
  return (tokens[0] ?? '_').replace(/[^A-Za-z0-9_-]/g, '_') || '_'
}

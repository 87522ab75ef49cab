import { type AnyEventDefinition, catalog, type StreamDefinition } from '@chargebus/events'
import { JetStreamApiCodes, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream'
import { decodeEvent, indexEvents, type StoredEvent } from './decode.ts'
import { InvalidBusOptionsError, JetStreamRequestError } from './errors.ts'
import type { Namespace } from './namespace.ts'

export interface ScanOptions {
  /** Logical subject filter, e.g. `ocpp.in.*.CP-7.*` (one filter: nats-server 2.9). */
  filter: string
  /** First stream sequence to look at (default 1). */
  fromSeq?: number
  /** Last stream sequence to look at (inclusive): a window of the stream, e.g. read backwards in windows. */
  toSeq?: number
  /** At most this many messages. */
  max: number
  /** Stop looking after this long (the next call continues at `nextSeq`). */
  budgetMs: number
}

export interface ScanResult {
  /** Matching messages, oldest first, decoded against the catalog's events on the stream. */
  events: StoredEvent<AnyEventDefinition>[]
  /** Where the next scan starts. */
  nextSeq: number
  /** True when the stream holds no further matching message (at the time of the scan), up to `toSeq` if given. */
  done: boolean
}

/**
 * Reads a stream's messages on one subject filter in order, without a consumer (no server state per reader):
 * each step is a `STREAM.MSG.GET` with `next_by_subj`, so the server skips the other subjects. Bounded by `max`
 * and `budgetMs`; a message that no longer decodes is skipped, never fatal (the journal is read as it is).
 */
export async function scanStream(
  jsm: JetStreamManager,
  ns: Namespace,
  stream: StreamDefinition,
  opts: ScanOptions,
  now: () => number = performance.now.bind(performance),
): Promise<ScanResult> {
  if (!Number.isInteger(opts.max) || opts.max < 1) throw new InvalidBusOptionsError('max must be >= 1')
  const events = indexEvents(catalog.filter((e) => e.stream.name === stream.name))
  const deadline = now() + opts.budgetMs
  const out: StoredEvent<AnyEventDefinition>[] = []
  let seq = opts.fromSeq ?? 1
  while (out.length < opts.max) {
    if (out.length > 0 && now() > deadline) return { events: out, nextSeq: seq, done: false }
    let sm: StoredMsg | null
    try {
      sm = await jsm.streams.getMessage(ns.stream(stream.name), {
        seq,
        next_by_subj: ns.subject(opts.filter),
      } as never)
    } catch (err) {
      if ((err as { code?: number }).code === JetStreamApiCodes.StreamNotFound)
        return { events: out, nextSeq: seq, done: true }
      throw new JetStreamRequestError(`scan ${stream.name} ${opts.filter}`, err)
    }
    if (!sm) return { events: out, nextSeq: seq, done: true }
    if (opts.toSeq !== undefined && sm.seq > opts.toSeq) return { events: out, nextSeq: sm.seq, done: true }
    seq = sm.seq + 1
    try {
      const event = decodeEvent(
        { data: sm.data, headers: sm.header, seq: sm.seq, time: sm.time },
        events,
        ns.logicalSubject(sm.subject),
      )
      if (event) out.push(event)
    } catch {
      // Not decodable (an older or foreign message): not part of the view.
    }
    if (now() > deadline && out.length === 0) return { events: out, nextSeq: seq, done: false }
  }
  return { events: out, nextSeq: seq, done: false }
}

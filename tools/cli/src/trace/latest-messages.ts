import type { StationMessageView } from '@chargebus/api/admin'
import { stationMessageViewOf } from '@chargebus/api/admin'
import { type Bus, traceOf } from '@chargebus/bus'
import { Streams, stationJournalFilter } from '@chargebus/events'

export interface LatestQuery {
  stationId: string
  /** At most this many entries, the newest. */
  limit: number
  /** Only entries the stream stored at or after this time. */
  since?: Date | undefined
}

/** A journal entry as the per-station view shows it, plus whether its trace was sampled (a trace UI has it). */
export type TraceEntry = StationMessageView & { traceSampled: boolean }

export interface LatestMessages {
  /** Oldest first, the newest last. */
  items: TraceEntry[]
  /** True when older entries in range were left out by `limit`. */
  more: boolean
}

/** Where the read is: for a progress line. */
export interface ReadProgress {
  /** 1 for the first window (the newest sequences), then 2, 3, ... */
  window: number
  fromSeq: number
  toSeq: number
  lastSeq: number
  found: number
}

/** First window (stream sequences) read backwards from the end; each further window is twice as wide. */
const FIRST_WINDOW = 1_000
/** A scan request's page (messages) and time budget; the loop continues until the window is done. */
const SCAN_PAGE = 500
const SCAN_BUDGET_MS = 2_000

type JournalBus = Pick<Bus, 'scan' | 'read' | 'streamBounds'>

/**
 * A station's newest journal entries in OCPP_IN (what the gateway stored and the faults it journaled), read on
 * the station's subjects only (`STREAM.MSG.GET next_by_subj`, the server skips other stations): windows of
 * stream sequences backwards from the end, each twice as wide as the last, until `limit` entries are found or
 * the start (the stream's first message, or the first one stored at `since`) is reached. A busy stream with a
 * quiet station costs a few requests per window, not one per message.
 */
export async function readLatestStationMessages(
  bus: JournalBus,
  q: LatestQuery,
  onProgress: (p: ReadProgress) => void = () => {},
  firstWindow = FIRST_WINDOW,
): Promise<LatestMessages> {
  const bounds = await bus.streamBounds(Streams.OCPP_IN)
  if (bounds.messages === 0) return { items: [], more: false }
  const low = q.since === undefined ? bounds.firstSeq : await firstSeqAt(bus, q.since, bounds.firstSeq)
  if (low === undefined) return { items: [], more: false }
  const filter = stationJournalFilter({ station: q.stationId })
  const keep = q.limit + 1 // one more than shown tells whether older ones were left out
  let newer: TraceEntry[] = []
  let end = bounds.lastSeq
  let width = Math.max(firstWindow, 1)
  let windows = 0
  while (end >= low && newer.length < keep) {
    const start = Math.max(low, end - width + 1)
    windows++
    let window: TraceEntry[] = []
    for (let from = start; ; ) {
      const page = await bus.scan(Streams.OCPP_IN, {
        filter,
        fromSeq: from,
        toSeq: end,
        max: SCAN_PAGE,
        budgetMs: SCAN_BUDGET_MS,
      })
      for (const event of page.events) {
        // The server's start-time lookup may begin a little early (nats-server 2.9): the bound is checked here.
        if (q.since !== undefined && event.publishedAt < q.since) continue
        const view = stationMessageViewOf(event)
        // Subjects encode the id; an id that differs only by escaping is another station.
        if (view === undefined || view.stationId !== q.stationId) continue
        const { stationId: _, ...entry } = view
        window.push({ ...entry, traceSampled: traceOf(event.headers)?.sampled ?? false })
      }
      if (window.length > 2 * keep) window = window.slice(-keep) // a busy window: only its newest count
      onProgress({
        window: windows,
        fromSeq: start,
        toSeq: bounds.lastSeq,
        lastSeq: page.nextSeq,
        found: newer.length + window.length,
      })
      if (page.done) break
      from = page.nextSeq
    }
    newer = [...window, ...newer].slice(-keep)
    end = start - 1
    width *= 2
  }
  return { items: newer.slice(-q.limit), more: newer.length > q.limit }
}

/**
 * The sequence of the first message stored at or after `time` (JetStream's `opt_start_time`, through an ordered
 * consumer that reads one message), or undefined when none is.
 */
async function firstSeqAt(bus: JournalBus, time: Date, firstSeq: number): Promise<number | undefined> {
  for await (const page of bus.read(Streams.OCPP_IN, [], { from: { time }, pageSize: 1 })) {
    return Math.max(firstSeq, page.lastSeq)
  }
  return undefined
}

/** Whether the station has any entry in OCPP_IN at all: one request, the server skips other subjects. */
export async function hasAnyStationMessage(bus: Pick<Bus, 'scan'>, stationId: string): Promise<boolean> {
  const page = await bus.scan(Streams.OCPP_IN, {
    filter: stationJournalFilter({ station: stationId }),
    max: 1,
    budgetMs: SCAN_BUDGET_MS,
  })
  return page.events.length > 0
}

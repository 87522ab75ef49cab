/**
 * What the gateway stored, read back from its OCPP_IN stream while the run goes on (an ordered consumer of the
 * bench's own), and when each MeterValues became visible in Postgres.
 *
 * - The journal is the ground truth for "rows expected": every message the gateway acknowledged is in OCPP_IN
 *   (it answers only after the PubAck), so the rows ingest must write follow from the stored payloads: one
 *   meter_values row per sampledValue of MeterValues.meterValue[] and StopTransaction.transactionData[], one
 *   status_events row per StatusNotification.
 * - Visibility: every `pollMs` the tracker looks up the MeterValues it knows of and has not seen yet in
 *   meter_values (by station and message id, sample 0; ingest writes a message's rows in one transaction) on a
 *   direct Postgres connection. A row found by a query that started at t was committed before t, so
 *   `t - sampled timestamp` is an upper bound of the end-to-end lag, at most one period plus the query late.
 */
import { type Database, type Kysely, sql } from '@chargebus/db'
import { type ConsumerMessages, jetstream } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'

interface SampledValueLike {
  value: string
}
interface MeterValueLike {
  timestamp: string
  sampledValue: SampledValueLike[]
}

export interface StoredMessage {
  seq: number
  /** Logical subject (`ocpp.in.1_6.<station>.<Action>`), without the namespace prefix. */
  subject: string
  action: string
  stationId: string
  messageId: string
  receivedAt: string
  receivedAtMs: number
  /** The stored JSON as it is in the stream (replayed by the raw JetStream baseline). */
  data: Uint8Array
  payload: Record<string, unknown>
  /** The answer the gateway gave (its 1.6 form), e.g. StartTransaction's `transactionId`. */
  response: Record<string, unknown> | undefined
  /** meter_values rows ingest must write for this message. */
  meterRows: number
  /** status_events rows ingest must write for this message. */
  statusRows: number
  /** MeterValues: the station's timestamp of its first reading (taken when the station emitted the request). */
  sampledAtMs: number | undefined
}

function samplesOf(list: unknown): number {
  if (!Array.isArray(list)) return 0
  return (list as MeterValueLike[]).reduce((n, mv) => n + (mv.sampledValue?.length ?? 0), 0)
}

/** One OCPP_IN message as the bench reads it (`subjectPrefix`: the namespace prefix of physical subjects). */
export function toStored(
  seq: number,
  physicalSubject: string,
  subjectPrefix: string,
  data: Uint8Array,
): StoredMessage {
  const event = JSON.parse(Buffer.from(data).toString('utf8')) as {
    stationId: string
    action: string
    messageId: string
    receivedAt: string
    payload: Record<string, unknown>
    normalizedPayload?: Record<string, unknown>
    response?: Record<string, unknown>
  }
  const payload = event.normalizedPayload ?? event.payload
  const meterRows =
    event.action === 'MeterValues'
      ? samplesOf(payload.meterValue)
      : event.action === 'StopTransaction'
        ? samplesOf(payload.transactionData)
        : 0
  const first = event.action === 'MeterValues' ? (payload.meterValue as MeterValueLike[])[0] : undefined
  return {
    seq,
    subject: physicalSubject.startsWith(subjectPrefix)
      ? physicalSubject.slice(subjectPrefix.length)
      : physicalSubject,
    action: event.action,
    stationId: event.stationId,
    messageId: event.messageId,
    receivedAt: event.receivedAt,
    receivedAtMs: Date.parse(event.receivedAt),
    data,
    payload,
    response: event.response,
    meterRows,
    statusRows: event.action === 'StatusNotification' ? 1 : 0,
    sampledAtMs: first ? Date.parse(first.timestamp) : undefined,
  }
}

export interface Journal {
  readonly messages: StoredMessage[]
  /** Highest stream sequence read so far. */
  lastSeq(): number
  stop(): Promise<void>
}

/** Reads `stream` from its start with an ordered consumer and calls `onMessage` for each stored message. */
export async function openJournal(
  nc: NatsConnection,
  stream: string,
  namespace: string,
  onMessage: (m: StoredMessage) => void,
): Promise<Journal> {
  const js = jetstream(nc)
  const consumer = await js.consumers.get(stream)
  const iter: ConsumerMessages = await consumer.consume({ max_messages: 1000 })
  const messages: StoredMessage[] = []
  let last = 0
  const loop = (async () => {
    for await (const m of iter) {
      const stored = toStored(m.seq, m.subject, `${namespace}.`, m.data)
      messages.push(stored)
      last = m.seq
      onMessage(stored)
    }
  })()
  return {
    messages,
    lastSeq: () => last,
    async stop() {
      await iter.close()
      await loop
    },
  }
}

export interface Visible {
  seq: number
  stationId: string
  sampledAtMs: number
  receivedAtMs: number
  /** Start of the first query that found the row (upper bound of the commit time). */
  visibleAtMs: number
}

interface Pending {
  seq: number
  stationId: string
  messageId: string
  sampledAtMs: number
  receivedAtMs: number
}

type Executor = Kysely<Database>

export class VisibilityTracker {
  readonly pending = new Map<string, Pending>()
  readonly visible: Visible[] = []
  readonly queryMs: number[] = []
  private running = false
  private loop: Promise<void> | undefined

  track(m: StoredMessage): void {
    if (m.action !== 'MeterValues' || m.meterRows === 0 || m.sampledAtMs === undefined) return
    this.pending.set(`${m.stationId}\u0000${m.messageId}`, {
      seq: m.seq,
      stationId: m.stationId,
      messageId: m.messageId,
      sampledAtMs: m.sampledAtMs,
      receivedAtMs: m.receivedAtMs,
    })
  }

  async pollOnce(db: Executor): Promise<void> {
    if (this.pending.size === 0) return
    const keys = [...this.pending.values()]
    const startedAt = Date.now()
    const { rows } = await sql<{ s: string; id: string }>`
      select m.station_id as s, m.source_message_id as id
        from meter_values m
        join unnest(${keys.map((k) => k.stationId)}::text[], ${keys.map((k) => k.messageId)}::text[]) as k(s, id)
          on m.station_id = k.s and m.source_message_id = k.id
       where m.sample_index = 0`.execute(db)
    this.queryMs.push(Date.now() - startedAt)
    for (const r of rows) {
      const key = `${r.s}\u0000${r.id}`
      const p = this.pending.get(key)
      if (!p) continue
      this.pending.delete(key)
      this.visible.push({
        seq: p.seq,
        stationId: p.stationId,
        sampledAtMs: p.sampledAtMs,
        receivedAtMs: p.receivedAtMs,
        visibleAtMs: startedAt,
      })
    }
  }

  start(db: Executor, periodMs: number, onError: (err: unknown) => void): void {
    this.running = true
    this.loop = (async () => {
      while (this.running) {
        const next = Date.now() + periodMs
        await this.pollOnce(db).catch(onError)
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())))
      }
    })()
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
  }
}

import type { Bus } from '@chargebus/bus'
import type { Database, Kysely, Transaction } from '@chargebus/db'
import { sql } from '@chargebus/db'
import { findEvent } from '@chargebus/events'
import type { Logger } from 'pino'
import type { DomainEvent } from '../domain/domain-event.ts'
import type { IngestMetrics } from '../metrics.ts'

/*
 * Domain events are written to `ingest_outbox` in the transaction that changes the rows they describe, published
 * after commit and then deleted. A crash between commit and publish leaves them in the outbox, where the
 * periodic relay publishes them; their Nats-Msg-Id (derived from the source message) makes a second publish
 * within the DOMAIN stream's duplicate window a no-op.
 */

export interface OutboxEntry {
  id: string
  msgId: string
  event: DomainEvent['event']
  data: unknown
}

export async function addToOutbox(
  trx: Transaction<Database>,
  events: readonly DomainEvent[],
): Promise<OutboxEntry[]> {
  if (events.length === 0) return []
  const { rows } = await sql<{ id: string; msg_id: string }>`
    insert into ingest_outbox (msg_id, event_name, event_version, data)
    select * from unnest(${events.map((e) => e.msgId)}::text[], ${events.map((e) => e.event.name)}::text[],
                         ${events.map((e) => e.event.version)}::integer[],
                         ${events.map((e) => JSON.stringify(e.data))}::jsonb[])
    on conflict (msg_id) do nothing
    returning id, msg_id`.execute(trx)
  const ids = new Map(rows.map((r) => [r.msg_id, String(r.id)]))
  const out: OutboxEntry[] = []
  for (const e of events) {
    const id = ids.get(e.msgId)
    if (id !== undefined) out.push({ id, msgId: e.msgId, event: e.event, data: e.data })
  }
  return out
}

/** Entries older than `olderThanMs` (left by a crash or a failed publish), oldest first. */
export async function pendingOutbox(
  db: Kysely<Database>,
  opts: { olderThanMs: number; limit: number },
): Promise<OutboxEntry[]> {
  const rows = await db
    .selectFrom('ingest_outbox')
    .select(['id', 'msg_id', 'event_name', 'event_version', 'data'])
    .where('created_at', '<', sql<Date>`now() - make_interval(secs => ${opts.olderThanMs / 1000})`)
    .orderBy('id')
    .limit(opts.limit)
    .execute()
  const out: OutboxEntry[] = []
  for (const r of rows) {
    const event = findEvent(r.event_name, r.event_version)
    if (event !== undefined) out.push({ id: String(r.id), msgId: r.msg_id, event, data: r.data })
  }
  return out
}

/**
 * Publishes entries (the bus coalesces the publishes of one turn into one socket write) and deletes the ones
 * stored. Returns how many were published; failures stay in the outbox for the relay.
 */
export async function publishOutbox(
  db: Kysely<Database>,
  bus: Pick<Bus, 'publish'>,
  entries: readonly OutboxEntry[],
): Promise<{ published: OutboxEntry[]; failed: number }> {
  if (entries.length === 0) return { published: [], failed: 0 }
  const results = await Promise.allSettled(
    entries.map((e) => bus.publish(e.event, e.data as never, { msgId: e.msgId })),
  )
  const published = entries.filter((_, i) => results[i]?.status === 'fulfilled')
  if (published.length > 0) {
    await db
      .deleteFrom('ingest_outbox')
      .where('id', '=', sql<string>`any(${published.map((e) => e.id)}::bigint[])`)
      .execute()
  }
  return { published, failed: entries.length - published.length }
}

/**
 * What a consumer does after its transaction committed: publish the outbox entries it added, counting them; a
 * failure leaves them to the relay and never fails (and so redelivers) the committed work.
 */
export async function publishCommitted(
  deps: { db: Kysely<Database>; publisher: Pick<Bus, 'publish'>; metrics: IngestMetrics; log: Logger },
  outbox: readonly OutboxEntry[],
): Promise<void> {
  if (outbox.length === 0) return
  try {
    const { published, failed } = await publishOutbox(deps.db, deps.publisher, outbox)
    for (const e of published) deps.metrics.eventsPublished.inc({ event: e.event.name })
    if (failed > 0) {
      deps.metrics.outboxFailures.inc(failed)
      deps.log.warn({ failed }, 'domain events not published; the outbox relay retries them')
    }
  } catch (err) {
    deps.log.warn({ err }, 'publishing domain events failed; the outbox relay retries them')
  }
}

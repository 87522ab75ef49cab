import type { KV, KvEntry } from '@nats-io/kv'
import {
  type IdTagRecord,
  idTagKey,
  idTagRecordValidator,
  kvKey,
  type StationRecord,
  stationRecordValidator,
} from './kv-records.ts'

/*
 * Writers of the gateway's KV records for whoever owns the decision in Postgres (the API, ingest's
 * reconciliation sweep): Postgres is the source of truth, KV the cache the gateway answers from. Each write
 * is a compare-and-set on the entry's revision, and newer wins by `updatedAt`, so two writers (an API
 * request and a sweep) racing with different views of Postgres never move a record back in time.
 */

/** What a mirror call did: `written`, or `skipped` because KV already holds a record at least as new. */
export type MirrorOutcome = 'written' | 'skipped'

/** An id tag as Postgres has it (`id_tags` row fields). */
export interface IdTagState {
  idTag: string
  status: IdTagRecord['status']
  expiryDate?: Date | null
  parentIdTag?: string | null
  updatedAt: Date
}

const MAX_ATTEMPTS = 8

/**
 * Puts the id tag's record into the `ocpp_id_tags` bucket unless the stored one is newer (by `updatedAt`).
 *
 * ### Examples
 * ```ts
 * const kv = await bus.kv(KvBuckets.idTags)
 * await mirrorIdTag(kv, { idTag: 'TAG-1', status: 'Blocked', updatedAt: row.updated_at })
 * ```
 */
export async function mirrorIdTag(kv: KV, tag: IdTagState): Promise<MirrorOutcome> {
  const record: IdTagRecord = { status: tag.status, updatedAt: tag.updatedAt.toISOString() }
  if (tag.expiryDate) record.expiryDate = tag.expiryDate.toISOString()
  if (tag.parentIdTag) record.parentIdTag = tag.parentIdTag
  return compareAndSet(kv, idTagKey(tag.idTag), (current) => {
    const old = current === undefined ? undefined : parse(current, (v) => idTagRecordValidator.Check(v))
    if (old?.updatedAt !== undefined && Date.parse(old.updatedAt) > tag.updatedAt.getTime()) return undefined
    return record
  })
}

/**
 * Removes the id tag from the `ocpp_id_tags` bucket (the gateway then answers Invalid). Deleting a missing
 * key is fine.
 */
export async function removeIdTag(kv: KV, idTag: string): Promise<void> {
  await kv.delete(idTagKey(idTag))
}

/** A registration decision as Postgres has it. */
export interface RegistrationDecision {
  stationId: string
  registrationStatus: StationRecord['registrationStatus']
  /** When it was decided (`stations.registration_status_at`). */
  decidedAt: Date
  /** Who decided: `api`, `ingest`, `cli`. */
  source: string
}

/**
 * Sets the station's registration status in the `ocpp_stations` bucket, keeping the rest of the record
 * (password, firstSeenAt), unless the stored record was updated after `decidedAt`. The gateway answers the
 * station's next BootNotification with it.
 *
 * ### Examples
 * ```ts
 * await mirrorRegistration(await bus.kv(KvBuckets.stations), {
 *   stationId: 'CP-1', registrationStatus: 'Accepted', decidedAt: new Date(), source: 'api',
 * })
 * ```
 */
export async function mirrorRegistration(kv: KV, decision: RegistrationDecision): Promise<MirrorOutcome> {
  return compareAndSet(kv, kvKey(decision.stationId), (current) => {
    const old = current === undefined ? undefined : parse(current, (v) => stationRecordValidator.Check(v))
    if (old?.updatedAt !== undefined && Date.parse(old.updatedAt) > decision.decidedAt.getTime())
      return undefined
    return {
      ...old,
      registrationStatus: decision.registrationStatus,
      updatedAt: decision.decidedAt.toISOString(),
      source: decision.source,
    } satisfies StationRecord
  })
}

/**
 * Reads the entry, asks `next` for the new value (undefined: leave it) and writes it only if nobody wrote
 * in between (revision check); retries on a conflict.
 */
async function compareAndSet<T>(
  kv: KV,
  key: string,
  next: (current: KvEntry | undefined) => T | undefined,
): Promise<MirrorOutcome> {
  for (let attempt = 1; ; attempt++) {
    const entry = await kv.get(key)
    const live = entry !== null && entry.operation === 'PUT' ? entry : undefined
    const value = next(live)
    if (value === undefined) return 'skipped'
    const payload = JSON.stringify(value)
    try {
      if (entry === null) await kv.create(key, payload)
      else await kv.update(key, payload, entry.revision)
      return 'written'
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isRevisionConflict(err)) throw err
    }
  }
}

function parse<T>(entry: KvEntry, check: (value: unknown) => value is T): T | undefined {
  try {
    const value: unknown = entry.json()
    return check(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** A create on an existing key or an update with a stale revision (JetStream "wrong last sequence"). */
function isRevisionConflict(err: unknown): boolean {
  const text = String((err as Error | undefined)?.message ?? err)
  return /wrong last sequence|key exists/i.test(text) || (err as { code?: unknown })?.code === 10071
}

import type { KV, KvEntry } from '@nats-io/kv'
import { idTagKey, kvKey } from './keys.ts'
import {
  type IdTagRecord,
  idTagRecordValidator,
  type PasswordHash,
  type StationRecord,
  stationRecordValidator,
} from './records.ts'
import { isRevisionConflict } from './revision-conflict.ts'

/*
 * The writers of the registry's KV records for whoever owns a decision: the API (after its Postgres
 * write), ingest's reconciliation sweep (re-mirrors what changed in Postgres, so a KV write lost after a
 * commit is repaired) and `pnpm chargebus id-tags`/`station` (decisions made directly in KV). Postgres is
 * the source of truth, KV the cache the gateway answers from. Every write is a compare-and-set on the
 * entry's revision, and the newer side wins by `updatedAt`, so writers racing with different views never
 * move a record back in time.
 */

/**
 * What a call did: `written`; `removed`; `unchanged` (KV already holds exactly that, or there was nothing
 * to remove); `kv-newer` (KV holds a record updated after this decision, which is left alone).
 */
export type MirrorOutcome = 'written' | 'unchanged' | 'kv-newer' | 'removed'

/** An id tag as Postgres has it (`id_tags` row fields). */
export interface IdTagState {
  idTag: string
  status: IdTagRecord['status']
  expiryDate?: Date | null
  parentIdTag?: string | null
  updatedAt: Date
}

/** The record `mirrorIdTag` writes for a tag (check it with `idTagRecordValidator` before writing input). */
export function toIdTagRecord(tag: IdTagState): IdTagRecord {
  const record: IdTagRecord = { status: tag.status, updatedAt: tag.updatedAt.toISOString() }
  if (tag.expiryDate) record.expiryDate = tag.expiryDate.toISOString()
  if (tag.parentIdTag) record.parentIdTag = tag.parentIdTag
  return record
}

/**
 * Puts the id tag's record into the `ocpp_id_tags` bucket unless the stored one is newer (by `updatedAt`).
 *
 * ### Examples
 * ```ts
 * const kv = await bus.kv(KvBuckets.idTags)
 * await mirrorIdTag(kv, { idTag: 'TAG-1', status: 'Blocked', updatedAt: row.updated_at }) // 'written'
 * ```
 */
export async function mirrorIdTag(kv: KV, tag: IdTagState): Promise<MirrorOutcome> {
  const record = toIdTagRecord(tag)
  return writeNewer(kv, idTagKey(tag.idTag), isIdTagRecord, tag.updatedAt, () => record)
}

/**
 * Removes the id tag from the `ocpp_id_tags` bucket (the gateway then answers Invalid), unless the stored
 * record was updated after `removedAt`. A missing or already deleted key is `unchanged`.
 */
export async function removeIdTag(kv: KV, idTag: string, removedAt: Date): Promise<MirrorOutcome> {
  const key = idTagKey(idTag)
  for (let attempt = 1; ; attempt++) {
    const entry = await kv.get(key)
    if (entry === null || entry.operation !== 'PUT') return 'unchanged'
    if (isNewer(parse(entry, isIdTagRecord), removedAt)) return 'kv-newer'
    try {
      await kv.delete(key, { previousSeq: entry.revision })
      return 'removed'
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isRevisionConflict(err)) throw err
    }
  }
}

/** A registration decision (Postgres `stations` row, an operator's CLI call). */
export interface RegistrationDecision {
  stationId: string
  /** Omitted: the stored status stays (`Accepted` for a station without a record). */
  registrationStatus?: StationRecord['registrationStatus']
  /** A new HTTP Basic password hash (`hashPassword`); `null` removes it; omitted keeps the stored one. */
  password?: PasswordHash | null
  /**
   * When it was decided (`stations.registration_status_at`); `null` when unknown: then it is written only
   * if KV has no record for the station.
   */
  decidedAt: Date | null
  /** Who decided: `api`, `ingest`, `cli`. */
  source: string
}

/**
 * Sets the station's registration status in the `ocpp_stations` bucket, keeping the rest of the record
 * (password hash, firstSeenAt), unless the stored record was updated after `decidedAt`. The gateway answers
 * the station's next BootNotification with it.
 *
 * ### Examples
 * ```ts
 * await mirrorRegistration(await bus.kv(KvBuckets.stations), {
 *   stationId: 'CP-1', registrationStatus: 'Accepted', decidedAt: new Date(), source: 'api',
 * })
 * ```
 */
export async function mirrorRegistration(kv: KV, decision: RegistrationDecision): Promise<MirrorOutcome> {
  const { decidedAt } = decision
  return writeNewer(kv, kvKey(decision.stationId), isStationRecord, decidedAt, (old) => {
    const record: StationRecord = {
      ...old,
      registrationStatus: decision.registrationStatus ?? old?.registrationStatus ?? 'Accepted',
      source: decision.source,
    }
    if (decidedAt !== null) record.updatedAt = decidedAt.toISOString()
    if (decision.password === null) delete record.password
    else if (decision.password !== undefined) record.password = decision.password
    return record
  })
}

const MAX_ATTEMPTS = 8

const isIdTagRecord = (v: unknown): v is IdTagRecord => idTagRecordValidator.Check(v)
const isStationRecord = (v: unknown): v is StationRecord => stationRecordValidator.Check(v)

/**
 * Reads the entry and writes `build(current)` only if KV is not newer than `at` (with `at` null: only if
 * there is no record) and nobody wrote in between (revision check); retries on a conflict. A record that
 * fails its schema counts as absent (it is replaced). Writing what KV already holds is `unchanged`.
 */
async function writeNewer<T extends { updatedAt?: string }>(
  kv: KV,
  key: string,
  check: (value: unknown) => value is T,
  at: Date | null,
  build: (current: T | undefined) => T,
): Promise<MirrorOutcome> {
  for (let attempt = 1; ; attempt++) {
    const entry = await kv.get(key)
    const live = entry !== null && entry.operation === 'PUT' ? entry : undefined
    const current = live === undefined ? undefined : parse(live, check)
    if (at === null && live !== undefined) return 'unchanged'
    if (at !== null && isNewer(current, at)) return 'kv-newer'
    const payload = JSON.stringify(build(current))
    if (live !== undefined && live.string() === payload) return 'unchanged'
    try {
      // create when the key never existed; otherwise compare-and-set on the revision read (a delete
      // marker's too).
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

function isNewer(current: { updatedAt?: string } | undefined, than: Date): boolean {
  const at = current?.updatedAt === undefined ? Number.NaN : Date.parse(current.updatedAt)
  return Number.isFinite(at) && at > than.getTime()
}

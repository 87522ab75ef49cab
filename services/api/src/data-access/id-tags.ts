import type { Database, IdTag, IdTagStatus, Kysely } from '@chargebus/db'
import { sql } from '@chargebus/db'
import { decodeCursor, encodeCursor } from '../domain/cursor.ts'
import { iso, pageOf } from './rows.ts'

export interface IdTagView {
  idTag: string
  status: IdTagStatus
  expiryDate: string | null
  parentIdTag: string | null
  note: string | null
  createdAt: string
  updatedAt: string
}

export interface IdTagChanges {
  status?: IdTagStatus | undefined
  expiryDate?: string | null | undefined
  parentIdTag?: string | null | undefined
  note?: string | null | undefined
}

export function idTagView(r: IdTag): IdTagView {
  return {
    idTag: r.id_tag,
    status: r.status,
    expiryDate: iso(r.expiry_date),
    parentIdTag: r.parent_id_tag,
    note: r.note,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  }
}

const sameTag = (idTag: string) => sql<boolean>`upper(id_tag) = ${idTag.toUpperCase()}`

/** Id tags ordered by their upper-cased value (the unique key). */
export async function listIdTags(
  db: Kysely<Database>,
  f: { status?: IdTagStatus | undefined; limit: number; cursor?: string | undefined },
): Promise<{ items: IdTagView[]; nextCursor: string | null }> {
  let q = db.selectFrom('id_tags').selectAll()
  if (f.status !== undefined) q = q.where('status', '=', f.status)
  if (f.cursor !== undefined) {
    const [after] = decodeCursor('id-tags', f.cursor, ['string']) as [string]
    q = q.where(sql<string>`upper(id_tag)`, '>', after)
  }
  const rows = await q
    .orderBy(sql`upper(id_tag)`)
    .limit(f.limit + 1)
    .execute()
  return pageOf(rows, f.limit, idTagView, (r) => encodeCursor('id-tags', [r.id_tag.toUpperCase()]))
}

export async function findIdTag(
  db: Kysely<Database>,
  idTag: string,
  lock = false,
): Promise<IdTag | undefined> {
  const q = db.selectFrom('id_tags').selectAll().where(sameTag(idTag))
  return (lock ? q.forUpdate() : q).executeTakeFirst()
}

/** Inserts the tag; undefined when a tag with the same value (any case) exists. */
export async function insertIdTag(
  db: Kysely<Database>,
  tag: { idTag: string } & IdTagChanges,
  at: Date,
): Promise<IdTag | undefined> {
  return db
    .insertInto('id_tags')
    .values({
      id_tag: tag.idTag,
      status: tag.status ?? 'Accepted',
      expiry_date: tag.expiryDate ?? null,
      parent_id_tag: tag.parentIdTag ?? null,
      note: tag.note ?? null,
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) => oc.expression(sql`upper(id_tag)`).doNothing())
    .returningAll()
    .executeTakeFirst()
}

export async function updateIdTag(
  db: Kysely<Database>,
  idTag: string,
  changes: IdTagChanges,
  at: Date,
): Promise<IdTag | undefined> {
  return db
    .updateTable('id_tags')
    .set({
      ...(changes.status === undefined ? {} : { status: changes.status }),
      ...(changes.expiryDate === undefined ? {} : { expiry_date: changes.expiryDate }),
      ...(changes.parentIdTag === undefined ? {} : { parent_id_tag: changes.parentIdTag }),
      ...(changes.note === undefined ? {} : { note: changes.note }),
      updated_at: at,
    })
    .where(sameTag(idTag))
    .returningAll()
    .executeTakeFirst()
}

export async function deleteIdTag(db: Kysely<Database>, idTag: string): Promise<IdTag | undefined> {
  return db.deleteFrom('id_tags').where(sameTag(idTag)).returningAll().executeTakeFirst()
}

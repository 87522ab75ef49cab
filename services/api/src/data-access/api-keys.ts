import type { ApiKey, Database, Kysely } from '@chargebus/db'
import { sql } from '@chargebus/db'
import { generateApiKey, type Scope } from '../domain/api-keys.ts'
import { decodeCursor, encodeCursor } from '../domain/cursor.ts'
import { exactTime, iso, pageOf } from './rows.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export interface ApiKeyView {
  id: string
  name: string
  prefix: string
  scopes: Scope[]
  createdAt: string
  revokedAt: string | null
}

export function apiKeyView(r: Omit<ApiKey, 'key_hash'> & { key_hash?: unknown }): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes as Scope[],
    createdAt: iso(r.created_at),
    revokedAt: iso(r.revoked_at),
  }
}

export async function insertApiKey(
  db: Kysely<Database>,
  key: { name: string; prefix: string; hash: Buffer; scopes: readonly Scope[] },
): Promise<ApiKeyView> {
  const row = await db
    .insertInto('api_keys')
    .values({ name: key.name, prefix: key.prefix, key_hash: key.hash, scopes: [...key.scopes] })
    .returningAll()
    .executeTakeFirstOrThrow()
  return apiKeyView(row)
}

/** The key with this hash if it is not revoked. */
export async function findActiveKeyByHash(
  db: Kysely<Database>,
  hash: Buffer,
): Promise<ApiKeyView | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('key_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return row === undefined ? undefined : apiKeyView(row)
}

/** Keys ordered by creation (then id). */
export async function listApiKeys(
  db: Kysely<Database>,
  f: { limit: number; cursor?: string | undefined; includeRevoked?: boolean | undefined },
): Promise<{ items: ApiKeyView[]; nextCursor: string | null }> {
  let q = db.selectFrom('api_keys').selectAll().select(exactTime('created_at').as('created_exact'))
  if (!f.includeRevoked) q = q.where('revoked_at', 'is', null)
  if (f.cursor !== undefined) {
    const [at, id] = decodeCursor('api-keys', f.cursor, ['timestamp', 'uuid']) as [string, string]
    q = q.where(sql<boolean>`(created_at, id) > (${at}::timestamptz, ${id}::uuid)`)
  }
  const rows = await q
    .orderBy('created_at')
    .orderBy('id')
    .limit(f.limit + 1)
    .execute()
  return pageOf(rows, f.limit, apiKeyView, (r) => encodeCursor('api-keys', [r.created_exact, r.id]))
}

/** Revokes by id (or by the shown prefix); returns the key, undefined when unknown. Revoking twice is fine. */
export async function revokeApiKey(
  db: Kysely<Database>,
  idOrPrefix: string,
  at: Date,
): Promise<ApiKeyView | undefined> {
  const isId = UUID.test(idOrPrefix)
  const row = await db
    .updateTable('api_keys')
    .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
    .where(isId ? 'id' : 'prefix', '=', idOrPrefix)
    .returningAll()
    .executeTakeFirst()
  return row === undefined ? undefined : apiKeyView(row)
}

/**
 * Creates a key with `scopes`: the answer carries the key itself, which is never stored (only its sha256)
 * and cannot be shown again.
 *
 * ### Examples
 * ```ts
 * const { key, prefix } = await issueApiKey(db, { name: 'grafana', scopes: ['bi'] })
 * ```
 */
export async function issueApiKey(
  db: Kysely<Database>,
  opts: { name: string; scopes: readonly Scope[] },
): Promise<ApiKeyView & { key: string }> {
  const generated = generateApiKey()
  const view = await insertApiKey(db, {
    name: opts.name,
    prefix: generated.prefix,
    hash: generated.hash,
    scopes: opts.scopes,
  })
  return { ...view, key: generated.key }
}

import type { Kysely, Selectable } from 'kysely'
import type { Database, FirmwareImageTable } from './database.ts'

/*
 * The firmware catalogue's data access, here rather than in one service: the API writes it, and the FTP edge
 * reads it to serve images to stations (services never import each other).
 */

/**
 * A safe firmware file name: letters, digits, `.`, `_`, `-`, 1 to 128 characters, no leading dot (no `..`,
 * no hidden files, nothing a shell or an FTP path would read differently). The table checks the same.
 */
export const FIRMWARE_NAME_PATTERN = '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$'
const FIRMWARE_NAME = new RegExp(FIRMWARE_NAME_PATTERN)

/** Whether `name` can name a firmware image ({@link FIRMWARE_NAME_PATTERN}). */
export function isFirmwareName(name: string): boolean {
  return FIRMWARE_NAME.test(name)
}

/** A catalogue entry as plain data. */
export interface FirmwareImage {
  readonly id: string
  readonly name: string
  readonly version: string
  readonly size: number
  /** Lowercase hex SHA-256 of the stored bytes. */
  readonly sha256: string
  readonly objectKey: string
  readonly createdAt: Date
  readonly description: string | null
}

function imageOf(r: Selectable<FirmwareImageTable>): FirmwareImage {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    size: Number(r.size),
    sha256: r.sha256,
    objectKey: r.object_key,
    createdAt: r.created_at,
    description: r.description,
  }
}

/**
 * Records an image whose bytes are stored already. Resolves false, recording nothing, when the name is taken:
 * the caller removes the object it stored.
 */
export async function insertFirmwareImage(db: Kysely<Database>, image: FirmwareImage): Promise<boolean> {
  const inserted = await db
    .insertInto('firmware_images')
    .values({
      id: image.id,
      name: image.name,
      version: image.version,
      size: image.size,
      sha256: image.sha256,
      object_key: image.objectKey,
      created_at: image.createdAt,
      description: image.description,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .returning('id')
    .executeTakeFirst()
  return inserted !== undefined
}

export async function findFirmwareImage(
  db: Kysely<Database>,
  name: string,
): Promise<FirmwareImage | undefined> {
  const row = await db.selectFrom('firmware_images').selectAll().where('name', '=', name).executeTakeFirst()
  return row === undefined ? undefined : imageOf(row)
}

/** Images in name order, `limit` of them after the name `after` (keyset paging). */
export async function listFirmwareImages(
  db: Kysely<Database>,
  page: { limit: number; after?: string | undefined },
): Promise<FirmwareImage[]> {
  const rows = await db
    .selectFrom('firmware_images')
    .selectAll()
    .$if(page.after !== undefined, (q) => q.where('name', '>', page.after as string))
    .orderBy('name')
    .limit(page.limit)
    .execute()
  return rows.map(imageOf)
}

/** Removes the entry and answers what it was (its object is the caller's to delete), or undefined. */
export async function deleteFirmwareImage(
  db: Kysely<Database>,
  name: string,
): Promise<FirmwareImage | undefined> {
  const row = await db
    .deleteFrom('firmware_images')
    .where('name', '=', name)
    .returningAll()
    .executeTakeFirst()
  return row === undefined ? undefined : imageOf(row)
}

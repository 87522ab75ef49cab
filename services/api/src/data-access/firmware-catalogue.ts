import { randomUUID } from 'node:crypto'
import {
  type Database,
  deleteFirmwareImage,
  type FirmwareImage,
  findFirmwareImage,
  insertFirmwareImage,
  type Kysely,
} from '@chargebus/db'
import type { ObjectStorage, PutBody } from '@chargebus/storage'
import { FirmwareExists } from '../domain/errors.ts'

/** What `addFirmwareImage` needs besides the bytes. */
export interface NewFirmwareImage {
  name: string
  version: string
  description: string | null
  /** Larger bodies fail with the storage's `ObjectTooLarge`; nothing is left behind. */
  maxBytes: number
  /** The creation time (the caller's clock). */
  at: Date
}

/**
 * Streams a firmware image into storage (measured and hashed on the way, never held whole), then records it.
 * A name already taken is refused before `openBody` is called (no upload streamed for nothing; a CLI's file
 * is never opened). Nothing is half-stored: a failed or too large body leaves no object (the storage's promise) and no row; a
 * name taken meanwhile (`FirmwareExists`) removes the object just stored. Each image gets its own object key
 * (`firmware/<id>/<name>`), so a concurrent upload of the same name never touches the winner's object.
 *
 * ### Examples
 * ```ts
 * const image = await addFirmwareImage(db, storage, () => createReadStream(path), {
 *   name: 'acme-2.1.0.bin', version: '2.1.0', description: null, maxBytes: 256 * 1024 ** 2, at: clock(),
 * })
 * ```
 */
export async function addFirmwareImage(
  db: Kysely<Database>,
  storage: ObjectStorage,
  openBody: () => PutBody,
  image: NewFirmwareImage,
): Promise<FirmwareImage> {
  if ((await findFirmwareImage(db, image.name)) !== undefined) throw new FirmwareExists(image.name)
  const id = randomUUID()
  const objectKey = `firmware/${id}/${image.name}`
  const stored = await storage.put(objectKey, openBody(), { maxBytes: image.maxBytes, createOnly: true })
  const entry: FirmwareImage = {
    id,
    name: image.name,
    version: image.version,
    size: stored.size,
    sha256: stored.sha256,
    objectKey,
    createdAt: image.at,
    description: image.description,
  }
  let inserted = false
  try {
    inserted = await insertFirmwareImage(db, entry)
  } finally {
    if (!inserted) await storage.delete(objectKey)
  }
  if (!inserted) throw new FirmwareExists(image.name)
  return entry
}

/**
 * Removes an image: its row first (from then on nobody is offered it), then its object. Answers what was
 * removed, or undefined when no image has the name.
 */
export async function removeFirmwareImage(
  db: Kysely<Database>,
  storage: ObjectStorage,
  name: string,
): Promise<FirmwareImage | undefined> {
  const removed = await deleteFirmwareImage(db, name)
  if (removed !== undefined) await storage.delete(removed.objectKey)
  return removed
}

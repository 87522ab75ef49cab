import { text } from 'node:stream/consumers'
import { ObjectAlreadyExists, type ObjectStorage } from '@chargebus/storage'
import type { ArchiveAccess } from './access.ts'
import { manifestKey, manifestPrefix } from './layout.ts'
import { type Manifest, parseManifest } from './manifest.ts'

/** Every manifest key of a stream, in sequence order. */
export async function manifestKeys(storage: ObjectStorage, stream: string): Promise<string[]> {
  const keys: string[] = []
  for await (const o of storage.list(manifestPrefix(stream))) if (o.key.endsWith('.json')) keys.push(o.key)
  return keys
}

export async function readManifest(storage: ObjectStorage, key: string): Promise<Manifest> {
  return parseManifest(await text(await storage.get(key)), key)
}

/** Every manifest of a stream, in sequence order (streamed: one in memory at a time). */
export async function* manifests(storage: ObjectStorage, stream: string): AsyncIterable<Manifest> {
  for (const key of await manifestKeys(storage, stream)) yield await readManifest(storage, key)
}

/** The last sequence the manifests cover (0 when none): the archiver's checkpoint. */
export async function checkpointOf(storage: ObjectStorage, stream: string): Promise<number> {
  const keys = await manifestKeys(storage, stream)
  const last = keys.at(-1)
  return last === undefined ? 0 : (await readManifest(storage, last)).lastSeq
}

/**
 * Commits a batch. Resolves `undefined`, or the manifest another writer committed first for the same first
 * sequence (a second archiver, or a rerun after a crash): the caller adopts it and continues after it.
 */
export async function commitManifest(
  storage: ObjectStorage,
  manifest: Manifest,
): Promise<Manifest | undefined> {
  const key = manifestKey(manifest.stream, manifest.firstSeq)
  try {
    await storage.put(key, `${JSON.stringify(manifest, null, 1)}\n`, { createOnly: true })
    return undefined
  } catch (err) {
    if (err instanceof ObjectAlreadyExists) return readManifest(storage, key)
    throw err
  }
}

/** What any process can read about the archiver's progress on a stream (KV `archive_positions`). */
export interface ArchivePosition {
  readonly stream: string
  readonly lastSeq: number
  readonly lastTime?: string | undefined
  readonly manifest: string
  readonly updatedAt: string
}

export async function writePosition(access: ArchiveAccess, position: ArchivePosition): Promise<void> {
  await access.positions.put(position.stream, JSON.stringify(position))
}

export async function readPosition(
  access: ArchiveAccess,
  stream: string,
): Promise<ArchivePosition | undefined> {
  const entry = await access.positions.get(stream)
  if (entry?.operation !== 'PUT' || entry.length === 0) return undefined
  return entry.json<ArchivePosition>()
}

import { type Static, Type } from 'typebox'
import { Value } from 'typebox/value'
import { BadManifest } from './errors.ts'

/** An inclusive range of sequences `[first, last]`. */
const SeqRange = Type.Tuple([Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })])
export type SeqRange = Static<typeof SeqRange>

export const ArchivedObject = Type.Object({
  key: Type.String(),
  prefix: Type.String({ description: 'Subject group (literal leading tokens of the catalog pattern).' }),
  hour: Type.String({ description: 'UTC hour of the stream times of its messages (ISO 8601).' }),
  count: Type.Integer({ minimum: 1 }),
  firstSeq: Type.Integer({ minimum: 1 }),
  lastSeq: Type.Integer({ minimum: 1 }),
  bytes: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
})
export type ArchivedObject = Static<typeof ArchivedObject>

/**
 * The commit point of a batch, stored with `createOnly` after all its objects: readers trust only
 * manifests. Manifests of a stream tile its sequences: each starts right after the previous one ends.
 */
export const Manifest = Type.Object({
  version: Type.Literal(1),
  stream: Type.String(),
  firstSeq: Type.Integer({ minimum: 1 }),
  lastSeq: Type.Integer({ minimum: 1 }),
  count: Type.Integer({ minimum: 0, description: 'Messages archived (in the objects).' }),
  firstTime: Type.Optional(Type.String()),
  lastTime: Type.Optional(Type.String()),
  skipped: Type.Array(SeqRange, { description: 'Deleted interior messages (e.g. removed dead letters).' }),
  lost: Type.Array(SeqRange, { description: 'Messages that left the stream before they were archived.' }),
  objects: Type.Array(ArchivedObject),
  createdAt: Type.String(),
})
export type Manifest = Static<typeof Manifest>

/** Parses a manifest's bytes; `key` names it in the error. */
export function parseManifest(text: string, key: string): Manifest {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new BadManifest(key, 'not JSON', err)
  }
  if (!Value.Check(Manifest, value)) throw new BadManifest(key, 'not a manifest')
  return value
}

/** Total of a list of ranges. Pure. */
export function rangesSize(ranges: readonly SeqRange[]): number {
  return ranges.reduce((sum, [a, b]) => sum + (b - a + 1), 0)
}

import { InvalidObjectKey } from './errors.ts'

/** S3's limit, taken for every backend so that keys move between them. */
export const MAX_KEY_BYTES = 1024
/** A file name's limit on common file systems (NAME_MAX). */
export const MAX_SEGMENT_BYTES = 255
/**
 * The names of the local directory's in-progress writes. Reserved in every backend so that no key can
 * collide with one, and listings can tell them from objects.
 */
export const PARTIAL_WRITE_NAME = /^\.partial-[0-9a-f]{16}$/

const CONTROL_CHARACTER = /\p{Cc}/u

/**
 * Refuses a key that could escape the storage root or would not survive a move between backends: empty,
 * longer than 1024 UTF-8 bytes, starting or ending with `/`, an empty, `.` or `..` segment, a segment
 * longer than 255 bytes, a backslash, a control character (NUL included), a lone surrogate, or a segment
 * named like an in-progress write. Every operation calls it before touching storage; an edge that takes
 * names from outside (the FTP server) may call it earlier to answer its client.
 *
 * ### Examples
 * ```ts
 * validateObjectKey('archive/2026-11-01/ocpp-in.jsonl.gz') // fine
 * validateObjectKey('uploads/../../etc/passwd') // throws InvalidObjectKey: a .. segment
 * ```
 */
export function validateObjectKey(key: string): void {
  const reason = keyProblem(key)
  if (reason !== undefined) throw new InvalidObjectKey(key, reason)
}

/**
 * Refuses a `list` prefix that a valid key could not start with. The prefix is a plain string prefix, as
 * in S3 (`logs/2026-1` matches `logs/2026-10/a`), so only its complete segments (those before the last `/`)
 * must be valid segments.
 */
export function validateKeyPrefix(prefix: string): void {
  const reason = prefixProblem(prefix)
  if (reason !== undefined) throw new InvalidObjectKey(prefix, reason)
}

function keyProblem(key: string): string | undefined {
  if (key === '') return 'it is empty'
  if (key.endsWith('/')) return 'it ends with /'
  return textProblem(key) ?? segmentsProblem(key.split('/'))
}

function prefixProblem(prefix: string): string | undefined {
  if (prefix === '') return undefined
  return textProblem(prefix) ?? segmentsProblem(prefix.split('/').slice(0, -1))
}

function textProblem(text: string): string | undefined {
  if (!text.isWellFormed()) return 'it has a lone surrogate (not valid UTF-8)'
  if (Buffer.byteLength(text) > MAX_KEY_BYTES) return `it is longer than ${MAX_KEY_BYTES} bytes`
  if (text.startsWith('/')) return 'it is absolute (starts with /)'
  if (text.includes('\\')) return 'it has a backslash'
  if (CONTROL_CHARACTER.test(text)) return 'it has a control character'
  return undefined
}

function segmentsProblem(segments: string[]): string | undefined {
  for (const segment of segments) {
    if (segment === '') return 'it has an empty segment (//)'
    if (segment === '.' || segment === '..') return `it has a ${segment} segment`
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
      return `a segment is longer than ${MAX_SEGMENT_BYTES} bytes`
    }
    if (PARTIAL_WRITE_NAME.test(segment)) return 'a segment is named like an in-progress write'
  }
  return undefined
}

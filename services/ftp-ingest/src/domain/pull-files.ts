/*
 * Which files of a pull source's listing to download, and when to poll a source again. Pure: no I/O, no clock
 * (the caller passes "now").
 */
import { uploadName } from './upload-names.ts'

/** A regular file as the remote server listed it. */
export interface ListedFile {
  readonly name: string
  readonly size: number
  /** The modification time as the server reported it (compared as text, never parsed). */
  readonly mtime: string
}

/** Why a new listed file is not downloaded. */
export type SkipReason = 'bad-name' | 'too-large'

export interface PullSelection {
  readonly download: readonly ListedFile[]
  readonly skipped: ReadonlyArray<{
    readonly file: ListedFile
    readonly reason: SkipReason
    readonly why?: string
  }>
}

export interface PullRules {
  readonly stationId: string
  readonly maxFileBytes: number
}

/** The identity of a pulled file: the same name, size and mtime again is the same file. */
export function pulledFileKey(file: Pick<ListedFile, 'name' | 'size' | 'mtime'>): string {
  return JSON.stringify([file.name, file.size, file.mtime])
}

/**
 * The listed files to download: those not yet pulled (by {@link pulledFileKey}) whose name is a safe name for the
 * station (the rules of uploads, `uploadName`) and that are not larger than the limit. Files already pulled are
 * left out silently; the others are reported with a reason. Listing order is kept.
 *
 * ### Examples
 * ```ts
 * selectFilesToPull([{ name: 'a.csv', size: 3, mtime: 'Dec 06 10:00' }], new Set(), { stationId: 'CP-1', maxFileBytes: 10 })
 * // { download: [{ name: 'a.csv', ... }], skipped: [] }
 * ```
 */
export function selectFilesToPull(
  listed: readonly ListedFile[],
  pulled: ReadonlySet<string>,
  rules: PullRules,
): PullSelection {
  const download: ListedFile[] = []
  const skipped: Array<PullSelection['skipped'][number]> = []
  for (const file of listed) {
    if (pulled.has(pulledFileKey(file))) continue
    const checked = uploadName(rules.stationId, file.name)
    if (!checked.ok || checked.name !== file.name) {
      skipped.push({ file, reason: 'bad-name', why: checked.ok ? 'a path, not a name' : checked.reason })
      continue
    }
    if (file.size > rules.maxFileBytes) {
      skipped.push({ file, reason: 'too-large', why: `${file.size} bytes, over ${rules.maxFileBytes}` })
      continue
    }
    download.push(file)
  }
  return { download, skipped }
}

/**
 * A glob as a whole-name test: `*` matches any run of characters, `?` one, everything else itself (no
 * character classes, so no pattern can be invalid or slow).
 *
 * ### Examples
 * ```ts
 * globMatcher('meter-*.csv')('meter-2026-12-06.csv') // true
 * globMatcher('meter-*.csv')('meter.csv.tmp') // false
 * ```
 */
export function globMatcher(glob: string): (name: string) => boolean {
  const source = [...glob]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.+()[\]{}|/]/g, '\\$&')))
    .join('')
  const re = new RegExp(`^${source}$`, 'su')
  return (name) => re.test(name)
}

/** Most a failing source is backed off: this many intervals, and at most an hour beyond its interval. */
const MAX_BACKOFF_FACTOR = 32
const MAX_BACKOFF_MS = 3_600_000

/**
 * When to poll a source next: one interval after a poll that worked; after `failures` polls in a row that
 * failed, the interval doubled for each (1, 2, 4... intervals), capped at 32 intervals or interval + 1 h.
 *
 * ### Examples
 * ```ts
 * nextPollAt(new Date('2026-12-06T10:00:00Z'), 60_000, 0) // 10:01:00
 * nextPollAt(new Date('2026-12-06T10:00:00Z'), 60_000, 3) // 10:04:00 (after the third failure in a row)
 * ```
 */
export function nextPollAt(polledAt: Date, intervalMs: number, failures: number): Date {
  const factor = failures <= 0 ? 1 : Math.min(2 ** (failures - 1), MAX_BACKOFF_FACTOR)
  const delay = Math.min(intervalMs * factor, intervalMs + MAX_BACKOFF_MS)
  return new Date(polledAt.getTime() + Math.max(delay, intervalMs))
}

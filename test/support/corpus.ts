import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The hostile-input corpus (`test/corpus/hostile/<area>/`): inputs the fuzz tests found (fast-check's shrunk
 * counterexamples) or that we wrote by hand, replayed by the ordinary test run so a fixed bug stays fixed.
 * Each file is one input; its name says what it is.
 */
export const CORPUS_DIR = join(import.meta.dirname, '..', 'corpus', 'hostile')

/** `[file name, bytes]` of every entry of one area whose name ends in `ext`, sorted by name. */
export function corpusEntries(area: string, ext: string): [string, Buffer][] {
  const dir = join(CORPUS_DIR, area)
  const names = readdirSync(dir)
    .filter((n) => n.endsWith(ext))
    .sort()
  if (names.length === 0) throw new Error(`no ${ext} entries in ${dir}`)
  return names.map((n) => [n, readFileSync(join(dir, n))])
}

/** The same for JSON entries, parsed. */
export function corpusJson<T>(area: string): [string, T][] {
  return corpusEntries(area, '.json').map(([n, b]) => [n, JSON.parse(b.toString('utf8')) as T])
}

/** fast-check settings of every fuzz test: moderate runs; `FUZZ_RUNS_FACTOR=20` runs twenty times as many when hunting. */
export function fuzzRuns(numRuns: number): { numRuns: number } {
  const factor = Number(process.env.FUZZ_RUNS_FACTOR ?? '1')
  return { numRuns: Math.max(1, Math.round(numRuns * (Number.isFinite(factor) ? factor : 1))) }
}

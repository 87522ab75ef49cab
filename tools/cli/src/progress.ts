import { Transform } from 'node:stream'
import type { Output } from './context.ts'

/**
 * Progress of long work on stderr: one line rewritten in place on a terminal, else a line at most every
 * `everyMs` (logs stay readable). `done()` ends the in-place line; `done(line)` ends with a last line that is
 * always written.
 */
export interface Progress {
  update(line: string): void
  done(line?: string): void
}

export function createProgress(stderr: Output, everyMs = 2_000, now = () => performance.now()): Progress {
  const tty = (stderr as Output & { isTTY?: boolean }).isTTY === true
  let last = Number.NEGATIVE_INFINITY
  let shown = false
  return {
    update(line) {
      if (tty) {
        stderr.write(`\r${line}\u001b[K`)
        shown = true
        return
      }
      const t = now()
      if (t - last < everyMs) return
      last = t
      stderr.write(`${line}\n`)
    },
    done(line) {
      if (line !== undefined) stderr.write(tty ? `\r${line}\u001b[K\n` : `${line}\n`)
      else if (tty && shown) stderr.write('\n')
    },
  }
}

/**
 * A pass-through stream that reports each chunk and the bytes seen so far (a progress line, a running hash).
 *
 * ### Examples
 * ```ts
 * await pipeline(source, countBytes((n) => progress.update(`${n} bytes`)), target)
 * ```
 */
export function countBytes(onBytes: (total: number, chunk: Buffer) => void): Transform {
  let total = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length
      onBytes(total, chunk)
      done(null, chunk)
    },
  })
}

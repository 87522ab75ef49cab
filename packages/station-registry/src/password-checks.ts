import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import type { PasswordHash } from './records.ts'

/** Station password checks (scrypt) on worker threads at the lowest CPU priority (nice 19, SCHED_IDLE on Linux). */
export interface PasswordChecks {
  verify(stored: PasswordHash, password: string): Promise<boolean>
  /** A worker thread's nice value (19 where per-thread priorities exist) and whether it runs SCHED_IDLE (Linux). */
  scheduling(): Promise<{ nice: number; idle: boolean }>
  close(): Promise<void>
}

const WORKER = fileURLToPath(new URL('./password-check-worker.ts', import.meta.url))

/**
 * `threads` workers, started at once (a check never waits for a thread to start). Callers bound how many
 * checks they ask for at once; the pool never queues more than that.
 *
 * ### Examples
 * ```ts
 * const checks = createPasswordChecks({ threads: 2 })
 * await checks.verify(record.password, 's3cret') // true or false
 * await checks.close()
 * ```
 */
export function createPasswordChecks(opts: { threads: number }): PasswordChecks {
  const pool = new Piscina({
    filename: WORKER,
    minThreads: opts.threads,
    maxThreads: opts.threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  })
  return {
    verify: (stored, password) => pool.run({ stored, password }, { name: 'verify' }) as Promise<boolean>,
    scheduling: () => pool.run(undefined, { name: 'scheduling' }) as Promise<{ nice: number; idle: boolean }>,
    close: () => pool.destroy(),
  }
}

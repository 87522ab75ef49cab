import { fileURLToPath } from 'node:url'
import type { PasswordHash } from '@chargebus/station-registry'
import { Piscina } from 'piscina'

/** Station password checks (scrypt) on worker threads at the lowest CPU priority. */
export interface PasswordChecks {
  verify(stored: PasswordHash, password: string): Promise<boolean>
  /** The worker threads' priority (19 where per-thread priorities exist): what `/readyz`-style checks and tests read. */
  priority(): Promise<number>
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
    priority: () => pool.run(undefined, { name: 'priority' }) as Promise<number>,
    close: () => pool.destroy(),
  }
}

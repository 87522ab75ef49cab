/**
 * A worker thread of the gateway's password checks (`password-checks.ts`). It lowers its own CPU priority to
 * the lowest (nice 19; on Linux a thread's nice value is its own), so scrypt only uses CPU the event loop,
 * NATS and everything else on the machine leave idle: a flood of bad passwords slows the checks, never the
 * stations that are already authenticated.
 */
import { getPriority, setPriority } from 'node:os'
import { type PasswordHash, verifyPasswordSync } from '@chargebus/station-registry'

export const LOWEST_PRIORITY = 19

try {
  setPriority(LOWEST_PRIORITY)
} catch {
  // a platform without per-thread priorities: checks still run off the event loop, at normal priority
}

export function verify({ stored, password }: { stored: PasswordHash; password: string }): boolean {
  return verifyPasswordSync(stored, password)
}

/** This thread's priority (nice value), so the gateway can tell whether lowering it worked. */
export function priority(): number {
  return getPriority()
}

/**
 * A worker thread of the station password checks (`password-checks.ts`). It gives up its claim on the CPU:
 * nice 19 (on Linux a thread's nice value is its own) and, on Linux, the SCHED_IDLE policy, so scrypt only
 * uses CPU the event loop, NATS and everything else on the machine leave idle. Nice 19 alone still lets a
 * running check delay a woken event loop by a scheduler tick (milliseconds of p99 for honest stations);
 * a SCHED_IDLE thread is preempted at once. A flood of bad passwords slows the checks, never the stations
 * that are already authenticated.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readlinkSync } from 'node:fs'
import { getPriority, setPriority } from 'node:os'
import { verifyPasswordSync } from './passwords.ts'
import type { PasswordHash } from './records.ts'

export const LOWEST_PRIORITY = 19
const SCHED_IDLE = 5

try {
  setPriority(LOWEST_PRIORITY)
} catch {
  // a platform without per-thread priorities: checks still run off the event loop, at normal priority
}
try {
  // Node has no sched_setscheduler; chrt (util-linux, in every Debian image) sets it for this thread's id.
  const tid = readlinkSync('/proc/thread-self').split('/').at(-1) as string
  execFileSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore', timeout: 5_000 })
} catch {
  // not Linux, or no chrt: nice 19 stays
}

export function verify({ stored, password }: { stored: PasswordHash; password: string }): boolean {
  return verifyPasswordSync(stored, password)
}

/** This thread's priority (nice value) and whether it runs SCHED_IDLE, so a service can tell what worked. */
export function scheduling(): { nice: number; idle: boolean } {
  let idle = false
  try {
    const policy = /^policy\s*:\s*(\d+)/m.exec(readFileSync('/proc/thread-self/sched', 'utf8'))
    idle = Number(policy?.[1]) === SCHED_IDLE
  } catch {
    // not Linux
  }
  return { nice: getPriority(), idle }
}

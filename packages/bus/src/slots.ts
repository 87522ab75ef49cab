/**
 * A counting semaphore: at most `max` holders; `drained()` resolves when none is held. `consume` bounds its
 * in-flight handlers with it; services use it to bound other work (the gateway's calls to stations).
 *
 * ### Examples
 * ```ts
 * const slots = createSlots(32)
 * await slots.acquire()
 * try { await callStation() } finally { slots.release() }
 * ```
 */
export interface Slots {
  acquire(): Promise<void>
  release(): void
  inUse(): number
  drained(): Promise<void>
}

export function createSlots(max: number): Slots {
  let used = 0
  const waiting: (() => void)[] = []
  let idle: (() => void)[] = []
  return {
    acquire() {
      if (used < max) {
        used++
        return Promise.resolve()
      }
      return new Promise<void>((resolve) => waiting.push(resolve))
    },
    release() {
      const next = waiting.shift()
      if (next) return next() // the slot passes straight to the next waiter
      used--
      if (used === 0) {
        for (const resolve of idle) resolve()
        idle = []
      }
    },
    inUse: () => used,
    drained: () => (used === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve))),
  }
}

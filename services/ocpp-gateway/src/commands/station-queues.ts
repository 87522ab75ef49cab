import type { CommandRecord } from '@chargebus/command-store'
import type { Clock } from '@chargebus/platform'
import type { Logger } from 'pino'
import { DispatcherStopping } from './domain/command-errors.ts'
import { expiryTimerMs, streamOrderIndex, wakeDelayMs } from './domain/delivery-rules.ts'

/** A command the dispatcher holds: waiting in its station's queue, or being delivered. */
export interface HeldCommand {
  /** The command's row as last written (delivery replaces it); its payload has its secrets masked. */
  record: CommandRecord
  /** The payload as requested, secrets included: what is sent (never stored; the COMMANDS stream has it). */
  readonly payload: Record<string, unknown>
  /** COMMANDS stream sequence: a station's commands go out in this order. */
  readonly seq: number
  /** Keeps the command message from being redelivered while it is held (the consumer's keep-alive calls it). */
  working: () => void
  /** Settles when the command is done with (resolves) or handed back to JetStream (rejects). */
  readonly done: Promise<void>
  /** Being worked on by its station's loop (not just waiting). */
  active: boolean
  /** Failed delivery attempts in this process (drives the backoff). */
  failures: number
  /** Last time the row was touched while waiting (freshness for other dispatchers' ordering guard). */
  touchedAt: number
}

/** What one delivery attempt came to: `done` (recorded, nothing left to do), or how long to wait (ms). */
export type AttemptResult = number | 'done'

export interface StationQueueSettings {
  /**
   * A station's message wakes its waiting command at most this long after the last attempt ended. A station
   * that talks while its callback address stays unreachable (behind NAT, say) is retried at this pace, not
   * once per message it sends.
   */
  wakeMinMs: number
}

export interface StationQueuesOptions {
  clock: Clock
  settings: StationQueueSettings
  logger: Logger
  /** Aborted when the dispatcher stops: loops end, waits end, commands go back to JetStream. */
  stopping: AbortSignal
  /** One try at the head command of a station; `heldIds` are the station's commands held here. */
  attempt(command: HeldCommand, heldIds: readonly string[]): Promise<AttemptResult>
  /** Records a waiting command whose expiry passed. */
  expire(command: HeldCommand): Promise<void>
  /** Follows a station's messages while its commands wait (they may reach another replica); returns how to stop. */
  follow(stationId: string): () => void
}

export interface StationQueues {
  /** Queues a command behind its station's older ones; the promise is the command's `done`. */
  hold(
    record: CommandRecord,
    payload: Record<string, unknown>,
    seq: number,
    working: () => void,
  ): Promise<void>
  get(commandId: string): HeldCommand | undefined
  /**
   * "The station is back": its waiting head command is tried at once, or `wakeMinMs` after the last attempt
   * if that was more recent. A message seen twice wakes once.
   */
  wake(stationId: string, messageId: string): void
  held(): Iterable<HeldCommand>
  /** On stop: hands every command not being worked on back to JetStream and ends the waits. */
  handBack(): void
  stats(): { held: number; stations: number }
}

interface Held extends HeldCommand {
  resolve: () => void
  reject: (err: unknown) => void
  expiryTimer?: NodeJS.Timeout
}

interface StationQueue {
  stationId: string
  items: Held[]
  running: boolean
  wake: (() => void) | undefined
  /** Set while the queue waits: stops following the station's messages stored by any gateway replica. */
  stopFollowing: (() => void) | undefined
  /** The station's last message seen (the same message may come from this replica's hook and from NATS). */
  lastMessageId: string | undefined
  /** When the last attempt ended (clock ms); 0 before the first. */
  lastAttemptAt: number
  /** A wake put off until `wakeMinMs` after the last attempt. */
  deferredWake: NodeJS.Timeout | undefined
}

/**
 * One queue per station with commands: its commands one at a time, in stream order, each loop waiting
 * (parked) between attempts until its time is up or the station is back; a timer per waiting command expires
 * it while it waits. The queues own the held commands; delivery, expiry and following a station are passed in.
 *
 * ### Examples
 * ```ts
 * const queues = createStationQueues({ clock, settings, logger, stopping, attempt: delivery.attempt, expire, follow })
 * await queues.hold(record, event.data.payload, event.seq, event.working) // resolves once the command is done with
 * ```
 */
export function createStationQueues(opts: StationQueuesOptions): StationQueues {
  const { clock, logger: log, stopping, attempt, expire, follow } = opts
  const { wakeMinMs } = opts.settings
  const held = new Map<string, Held>()
  const queues = new Map<string, StationQueue>()

  function queueOf(stationId: string): StationQueue {
    let q = queues.get(stationId)
    if (!q) {
      q = {
        stationId,
        items: [],
        running: false,
        wake: undefined,
        stopFollowing: undefined,
        lastMessageId: undefined,
        lastAttemptAt: 0,
        deferredWake: undefined,
      }
      queues.set(stationId, q)
    }
    return q
  }

  function settle(item: Held, err?: unknown): void {
    clearTimeout(item.expiryTimer)
    held.delete(item.record.id)
    const q = queues.get(item.record.stationId)
    if (q) {
      const i = q.items.indexOf(item)
      if (i >= 0) q.items.splice(i, 1)
      if (i === 0) q.wake?.()
    }
    if (err === undefined) item.resolve()
    else item.reject(err)
  }

  function armExpiry(item: Held): void {
    const expiresAt = item.record.expiresAt
    if (expiresAt === null) return
    item.expiryTimer = setTimeout(() => void expireWaiting(item), expiryTimerMs(expiresAt, clock()))
    item.expiryTimer.unref?.()
  }

  /** A command that expires while it waits (behind its station's other commands, or for the station). */
  async function expireWaiting(item: Held): Promise<void> {
    if (stopping.aborted || !held.has(item.record.id)) return
    if (item.active) {
      // Its station's loop is on it and checks the expiry itself before sending.
      item.expiryTimer = setTimeout(() => void expireWaiting(item), 100)
      return
    }
    try {
      item.active = true
      await expire(item)
      settle(item)
    } catch (err) {
      item.active = false
      if (!stopping.aborted) {
        log.warn({ err, command: item.record.id }, 'expiring a command failed; retrying')
        item.expiryTimer = setTimeout(() => void expireWaiting(item), 1000)
      }
    }
  }

  function park(q: StationQueue, ms: number): Promise<void> {
    if (stopping.aborted) return Promise.resolve()
    q.stopFollowing ??= follow(q.stationId)
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        if (q.wake === done) q.wake = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      q.wake = done
    })
  }

  /** The ids of a station's commands held here (the ordering guard does not wait for these). */
  function heldIds(q: StationQueue): string[] {
    return q.items.map((i) => i.record.id)
  }

  /** One station's loop: its commands one at a time, in order. */
  async function run(q: StationQueue): Promise<void> {
    q.running = true
    try {
      while (!stopping.aborted) {
        const item = q.items[0]
        if (!item) break
        let wait: AttemptResult
        item.active = true
        try {
          wait = await attempt(item, heldIds(q))
        } catch (err) {
          if (err instanceof DispatcherStopping || stopping.aborted) {
            settle(item, err instanceof DispatcherStopping ? err : new DispatcherStopping())
            continue
          }
          log.error({ err, command: item.record.id }, 'command dispatch failed; retrying')
          wait = 1000
        } finally {
          item.active = false
          q.lastAttemptAt = clock().getTime()
        }
        if (wait === 'done') settle(item)
        else await park(q, wait)
      }
    } finally {
      q.running = false
      // Stopping: whatever is left goes back to JetStream (nak) for the next process.
      if (stopping.aborted)
        for (const item of [...q.items]) if (!item.active) settle(item, new DispatcherStopping())
      if (q.items.length === 0 && queues.get(q.stationId) === q) {
        queues.delete(q.stationId)
        q.stopFollowing?.()
        clearTimeout(q.deferredWake)
      }
    }
  }

  return {
    hold(record, payload, seq, working) {
      const { promise: done, resolve, reject } = Promise.withResolvers<void>()
      const item: Held = {
        record,
        payload,
        seq,
        working,
        done,
        resolve,
        reject,
        active: false,
        failures: 0,
        touchedAt: 0,
      }
      held.set(record.id, item)
      const q = queueOf(record.stationId)
      const at = streamOrderIndex(q.items, seq)
      q.items.splice(at, 0, item)
      armExpiry(item)
      if (!q.running) void run(q)
      else if (at === 0) q.wake?.()
      return done
    },

    get: (commandId) => held.get(commandId),

    wake(stationId, messageId) {
      const q = queues.get(stationId)
      if (q === undefined || q.lastMessageId === messageId) return
      q.lastMessageId = messageId
      const untilAllowed = wakeDelayMs(q.lastAttemptAt, clock().getTime(), wakeMinMs)
      if (untilAllowed === 0) q.wake?.()
      else if (q.deferredWake === undefined) {
        q.deferredWake = setTimeout(() => {
          q.deferredWake = undefined
          q.wake?.()
        }, untilAllowed)
        q.deferredWake.unref?.()
      }
    },

    held: () => held.values(),

    handBack() {
      for (const item of [...held.values()]) if (!item.active) settle(item, new DispatcherStopping())
      for (const q of queues.values()) {
        q.stopFollowing?.()
        clearTimeout(q.deferredWake)
        q.wake?.()
      }
    },

    stats: () => ({ held: held.size, stations: queues.size }),
  }
}

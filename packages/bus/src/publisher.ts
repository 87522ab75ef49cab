import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node'
import { createInbox } from '@nats-io/transport-node'
import { BusClosedError, NoStreamError, PublishRejectedError, PublishTimeoutError } from './errors.ts'

/** The stream's acknowledgement of a stored message (physical stream name). */
export interface PubAck {
  stream: string
  seq: number
  duplicate: boolean
}

/** Publishes to JetStream and resolves with the PubAck, see {@link createPublisher}. */
export interface AckedPublisher {
  publish(subject: string, payload: Uint8Array, headers: MsgHdrs, timeoutMs: number): Promise<PubAck>
  /** Number of publishes waiting for their PubAck. */
  pending(): number
  /** Resolves once every pending publish has settled (acked, failed or timed out). */
  settled(): Promise<void>
  /** Rejects everything pending with `BusClosedError` and unsubscribes. */
  close(): void
}

interface Waiting {
  subject: string
  deadline: number
  timeoutMs: number
  resolve: (ack: PubAck) => void
  reject: (err: Error) => void
}

interface Outgoing {
  id: number
  subject: string
  payload: Uint8Array
  headers: MsgHdrs
}

const SWEEP_MS = 25
const decoder = new TextDecoder()

/**
 * JetStream publishing without nats.js' per-call `js.publish` overhead (an Error with a stack trace per
 * call, one socket write per publish). Publishes made during one event-loop turn are queued and written
 * in one go on `setImmediate` (nats.js coalesces the synchronous `nc.publish` calls into one socket
 * write); each carries `reply = <inbox>.<n>`, and one wildcard subscription on the inbox matches
 * PubAcks to callers. One interval timer, running only while acks are pending, enforces timeouts.
 */
export function createPublisher(nc: NatsConnection): AckedPublisher {
  const inbox = createInbox()
  const waiting = new Map<number, Waiting>()
  let queue: Outgoing[] = []
  let flushScheduled = false
  let counter = 0
  let sub: Subscription | undefined
  let sweeper: NodeJS.Timeout | undefined
  let closed = false
  let idle: { promise: Promise<void>; resolve: () => void } | undefined

  function settle(id: number): Waiting | undefined {
    const w = waiting.get(id)
    if (!w) return undefined
    waiting.delete(id)
    if (waiting.size === 0) {
      if (sweeper) clearInterval(sweeper)
      sweeper = undefined
      idle?.resolve()
      idle = undefined
    }
    return w
  }

  function onReply(err: Error | null, msg: Msg): void {
    if (err) {
      failAll(err)
      return
    }
    const w = settle(Number(msg.subject.slice(inbox.length + 1)))
    if (!w) return // late answer after a timeout
    if (msg.headers?.code === 503) {
      w.reject(new NoStreamError(w.subject))
      return
    }
    let ack: Partial<PubAck> & { error?: Record<string, unknown> }
    try {
      ack = JSON.parse(decoder.decode(msg.data))
    } catch (parseError) {
      w.reject(
        new PublishRejectedError(w.subject, { description: `unreadable PubAck: ${String(parseError)}` }),
      )
      return
    }
    if (ack.error) w.reject(new PublishRejectedError(w.subject, ack.error))
    else w.resolve({ stream: ack.stream ?? '', seq: ack.seq ?? 0, duplicate: ack.duplicate === true })
  }

  function flush(): void {
    flushScheduled = false
    const batch = queue
    queue = []
    for (const o of batch) {
      try {
        nc.publish(o.subject, o.payload, { reply: `${inbox}.${o.id}`, headers: o.headers })
      } catch (err) {
        // e.g. larger than the server's max_payload
        const reason = closed || nc.isClosed() ? new BusClosedError() : publishError(o.subject, err)
        settle(o.id)?.reject(reason)
      }
    }
  }

  function sweep(): void {
    const now = performance.now()
    for (const [id, w] of waiting) {
      if (w.deadline <= now) settle(id)?.reject(new PublishTimeoutError(w.subject, w.timeoutMs))
    }
  }

  function failAll(err: Error): void {
    for (const id of [...waiting.keys()]) settle(id)?.reject(err)
  }

  return {
    publish(subject, payload, headers, timeoutMs) {
      if (closed || nc.isClosed()) return Promise.reject(new BusClosedError())
      sub ??= nc.subscribe(`${inbox}.*`, { callback: onReply })
      const id = ++counter
      return new Promise<PubAck>((resolve, reject) => {
        waiting.set(id, { subject, deadline: performance.now() + timeoutMs, timeoutMs, resolve, reject })
        queue.push({ id, subject, payload, headers })
        if (!flushScheduled) {
          flushScheduled = true
          setImmediate(flush)
        }
        if (!sweeper) {
          sweeper = setInterval(sweep, SWEEP_MS)
          sweeper.unref()
        }
      })
    },
    pending: () => waiting.size,
    settled() {
      if (waiting.size === 0) return Promise.resolve()
      if (!idle) {
        let resolve = () => {}
        const promise = new Promise<void>((r) => {
          resolve = r
        })
        idle = { promise, resolve }
      }
      return idle.promise
    },
    close() {
      closed = true
      failAll(new BusClosedError())
      sub?.unsubscribe()
    },
  }
}

function publishError(subject: string, err: unknown): Error {
  return new PublishRejectedError(subject, {
    code: 400,
    description: err instanceof Error ? err.message : String(err),
  })
}

import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import type { Slots } from './slots.ts'

const TIMEOUT = Symbol('timeout')

export interface PullLoopOptions {
  messages: ConsumerMessages
  /** Shared by every loop of one consumer (its stream and its replay lane): `maxInFlight` bounds them all. */
  slots: Slots
  batchSize: number
  batchWaitMs: number
  handle: (batch: JsMsg[]) => Promise<void>
  logger: Logger
  isStopping: () => boolean
}

/**
 * Takes messages one at a time, waits for a free slot, collects a batch (up to `batchSize`, or what arrived
 * within `batchWaitMs` of the first) and hands it to `handle` without awaiting it. Resolves once the
 * subscription ended (`messages.close()`) and in-flight work is done.
 */
export async function runPullLoop(o: PullLoopOptions): Promise<void> {
  const { slots, logger: log } = o
  const iterator = o.messages[Symbol.asyncIterator]()
  let pending: Promise<IteratorResult<JsMsg>> | undefined
  async function take(waitMs?: number): Promise<JsMsg | undefined | typeof TIMEOUT> {
    pending ??= iterator.next()
    let result: IteratorResult<JsMsg> | typeof TIMEOUT
    try {
      result = waitMs === undefined ? await pending : await within(pending, waitMs)
    } catch (err) {
      if (!o.isStopping()) log.error({ err }, 'consumer subscription failed')
      pending = undefined
      return undefined
    }
    if (result === TIMEOUT) return TIMEOUT
    pending = undefined
    return result.done ? undefined : result.value
  }

  for (;;) {
    // The message first, then the slot: an idle loop must not hold a slot its sibling (the lane) needs.
    const first = await take()
    if (first === undefined || first === TIMEOUT || o.isStopping()) break
    await slots.acquire()
    if (o.isStopping()) {
      slots.release()
      break
    }
    const batch = [first]
    const deadline = performance.now() + o.batchWaitMs
    while (batch.length < o.batchSize) {
      const m = await take(Math.max(0, deadline - performance.now()))
      if (m === TIMEOUT || m === undefined) break
      batch.push(m)
    }
    void o
      .handle(batch)
      .catch((err: unknown) => log.error({ err }, 'consumer bug: unhandled error'))
      .finally(() => slots.release())
  }
  await slots.drained()
  if (!o.isStopping()) log.warn('consumer loop ended without stop()')
  // Prefetched messages that were not started are left unacked: the server redelivers them after
  // ack_wait. A nak would not hand them over sooner (on nats-server 2.9 the closed pull request stays
  // open on the server until it expires and would receive them again) and would inflate their
  // delivery count. Reading to the end lets the iterator close.
  for (let m = await take(); m !== undefined && m !== TIMEOUT; m = await take()) {}
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMEOUT)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

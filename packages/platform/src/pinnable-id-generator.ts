import type { IdGenerator } from '@opentelemetry/sdk-trace'
import { RandomIds } from './random-ids.ts'

/**
 * Random span and trace ids (`RandomIds`), except inside `withIds`: there the span started gets ids chosen
 * before it. The request tracer picks a request's ids when it arrives and makes the SDK span only if the
 * request turns out to need one (sampled, or failed); that span must keep the ids its logs, its published
 * messages and its SQL spans already carry.
 */
export class PinnableIdGenerator implements IdGenerator {
  readonly #random = new RandomIds()
  #traceId: string | undefined
  #spanId: string | undefined

  generateTraceId(): string {
    return this.#traceId ?? this.#random.traceId()
  }

  generateSpanId(): string {
    return this.#spanId ?? this.#random.spanId()
  }

  /**
   * Runs `start` (which starts one span, synchronously) with these ids; an id left out is random. The
   * SDK takes a span's trace id from its parent when it has a valid one, so `traceId` only names a new trace.
   */
  withIds<T>(ids: { traceId?: string; spanId?: string }, start: () => T): T {
    this.#traceId = ids.traceId
    this.#spanId = ids.spanId
    try {
      return start()
    } finally {
      this.#traceId = undefined
      this.#spanId = undefined
    }
  }
}

import { randomFillSync } from 'node:crypto'

/** Random bytes drawn per refill: one call to the CSPRNG and one hex conversion serve ~170 requests' ids. */
const POOL_BYTES = 4096

/**
 * W3C trace and span ids cut from a pool of crypto-random hex. The SDK's `RandomIdGenerator` writes
 * `Math.random()` into a buffer and hex-encodes it for every id; on the gateway that was ~1% of a traced
 * request's CPU (bench/README.md, tracing), because every request gets a trace id and a span id whether it
 * is sampled or not. Here one `randomFillSync` and one `toString('hex')` serve a few hundred ids, and each id
 * is a slice of that string.
 */
export class RandomIds {
  #hex = ''
  #at = 0

  /** 32 hex digits, never all zero. */
  traceId(): string {
    return this.#next(32, ZERO_TRACE_ID)
  }

  /** 16 hex digits, never all zero. */
  spanId(): string {
    return this.#next(16, ZERO_SPAN_ID)
  }

  #next(digits: number, zero: string): string {
    for (;;) {
      if (this.#at + digits > this.#hex.length) {
        this.#hex = randomFillSync(Buffer.allocUnsafe(POOL_BYTES)).toString('hex')
        this.#at = 0
      }
      const id = this.#hex.slice(this.#at, this.#at + digits)
      this.#at += digits
      // An all-zero id is invalid in W3C trace context (a chance of 2^-64 or less): draw again.
      if (id !== zero) return id
    }
  }
}

const ZERO_TRACE_ID = '0'.repeat(32)
const ZERO_SPAN_ID = '0'.repeat(16)

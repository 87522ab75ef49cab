/** When a batch closes. */
export interface BatchLimits {
  /** Messages per batch at most. */
  readonly maxMessages: number
  /** Uncompressed JSON-lines bytes per batch at most (bounds memory: the compressed groups are held). */
  readonly maxBytes: number
  /** A batch caught up with the stream is written once its oldest message is this old. */
  readonly delayMs: number
}

export interface OpenBatch {
  readonly count: number
  readonly bytes: number
  /** UTC hour (ms) of its messages. */
  readonly hour: number
  readonly firstTime: number
}

export type CloseReason = 'messages' | 'bytes' | 'hour' | 'delay'

/** Whether a message of UTC hour `hour` must start a new batch (batches never span an hour). Pure. */
export function closesBefore(batch: OpenBatch | undefined, hour: number): CloseReason | undefined {
  return batch !== undefined && batch.count > 0 && hour !== batch.hour ? 'hour' : undefined
}

/**
 * Whether the batch closes now. `caughtUp`: nothing more is waiting in the stream; then a batch is written
 * once its oldest message is `delayMs` old, so a quiet stream is still archived. Pure.
 */
export function closeReason(
  batch: OpenBatch | undefined,
  limits: BatchLimits,
  nowMs: number,
  caughtUp: boolean,
): CloseReason | undefined {
  if (batch === undefined || batch.count === 0) return undefined
  if (batch.count >= limits.maxMessages) return 'messages'
  if (batch.bytes >= limits.maxBytes) return 'bytes'
  if (caughtUp && nowMs - batch.firstTime >= limits.delayMs) return 'delay'
  return undefined
}

/**
 * Splits the sequences between `expected` and `seq` (exclusive) that the stream did not deliver: below the
 * stream's first sequence they left before being archived (lost: aged out or pushed out by the limits),
 * from it on they were deleted inside the stream (skipped). Pure.
 */
export function classifyGap(
  expected: number,
  seq: number,
  streamFirstSeq: number,
): { lost?: [number, number]; skipped?: [number, number] } {
  if (seq <= expected) return {}
  const out: { lost?: [number, number]; skipped?: [number, number] } = {}
  const lostEnd = Math.min(seq - 1, streamFirstSeq - 1)
  if (lostEnd >= expected) out.lost = [expected, lostEnd]
  const skippedStart = Math.max(expected, streamFirstSeq)
  if (skippedStart <= seq - 1) out.skipped = [skippedStart, seq - 1]
  return out
}

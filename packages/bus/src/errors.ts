import { AppError, defineErrorCodes } from '@chargebus/errors'

/**
 * Every error code this package throws, with what it means. The README table and the unit test
 * `errors.test.ts` are checked against this map. Publish validation failures are
 * `EVENTS_ERR_INVALID_EVENT` (`InvalidEventError` from `@chargebus/events`).
 */
export const BusErrorCodes = defineErrorCodes({
  BUS_ERR_UNREACHABLE: { meaning: 'NATS cannot be reached (connect or ping failed or timed out)' },
  BUS_ERR_CLOSED: { meaning: 'the bus is closed or closing' },
  BUS_ERR_NO_STREAM: { meaning: 'no stream stores the subject (no responders): not created yet, or deleted' },
  BUS_ERR_PUBLISH_TIMEOUT: { meaning: 'no PubAck arrived in time; the message may or may not be stored' },
  BUS_ERR_PUBLISH_REJECTED: { meaning: 'the stream refused the message (error PubAck, e.g. stream full)' },
  BUS_ERR_JETSTREAM: { meaning: 'a JetStream administration request failed' },
  BUS_ERR_STREAM_CONFLICT: {
    meaning: 'a stream or consumer exists with settings that cannot be updated in place',
  },
  BUS_ERR_INVALID_OPTIONS: { meaning: 'invalid bus, consumer or namespace options' },
  BUS_ERR_UNKNOWN_EVENT: { meaning: 'a consumed message is none of the events the consumer declared' },
  BUS_ERR_UNREADABLE_HEADERS: {
    meaning:
      'a consumed message has a header block nats.js cannot parse (only a foreign publisher stores one)',
  },
  BUS_ERR_UNSUPPORTED_EVENT_VERSION: {
    meaning: 'a consumed message has a version of a declared event that the consumer lacks',
  },
  BUS_ERR_MESSAGE_NOT_FOUND: {
    meaning: 'getMessage: the stream has no message with that sequence (or no such stream)',
  },
  BUS_ERR_NO_REPLAY_LANE: {
    meaning: 'replay or dead-letter retry: the consumer, or its replay lane, does not exist',
  },
  BUS_ERR_DEAD_LETTER_NOT_FOUND: {
    meaning: 'no dead letter with that id (never recorded, retried or dropped)',
  },
  BUS_ERR_ORIGINAL_GONE: {
    meaning: 'dead-letter retry: the record omitted the payload and the original left its stream',
  },
})

export type BusErrorCode = keyof typeof BusErrorCodes

/** NATS cannot be reached. Retryable: it may come back. */
/**
 * Whether `err` is one of this package's errors (a `BUS_ERR_*` code): with the database's outages, what a consumer
 * counts as infrastructure trouble (redeliver the batch as is, do not isolate its messages).
 */
export function isBusError(err: unknown): boolean {
  return err instanceof AppError && Object.hasOwn(BusErrorCodes, err.code)
}

export class BusUnreachableError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('BUS_ERR_UNREACHABLE', message, { cause, retryable: true, status: 503 })
  }
}

/** The bus was closed; pending publishes are rejected with this. */
export class BusClosedError extends AppError {
  constructor() {
    super('BUS_ERR_CLOSED', 'the bus is closed', { retryable: true, status: 503 })
  }
}

/** No stream listens on the subject (503 no responders). Retryable: streams are created at start-up. */
export class NoStreamError extends AppError {
  readonly subject: string

  constructor(subject: string) {
    super('BUS_ERR_NO_STREAM', `no stream stores subject ${subject}`, { retryable: true, status: 503 })
    this.subject = subject
  }
}

/** No PubAck in time. Retry with the same msgId: the stream's duplicate window makes that safe. */
export class PublishTimeoutError extends AppError {
  readonly subject: string

  constructor(subject: string, timeoutMs: number) {
    super('BUS_ERR_PUBLISH_TIMEOUT', `no PubAck for ${subject} within ${timeoutMs} ms`, {
      retryable: true,
      status: 503,
    })
    this.subject = subject
  }
}

/** The server answered the publish with an error PubAck (`{"error":{...}}`). */
export class PublishRejectedError extends AppError {
  readonly subject: string
  /** JetStream error code, e.g. 10077 (maximum messages exceeded). */
  readonly errCode: number

  constructor(subject: string, error: { code?: number; err_code?: number; description?: string }) {
    const status = error.code ?? 500
    super('BUS_ERR_PUBLISH_REJECTED', `stream refused ${subject}: ${error.description ?? 'unknown error'}`, {
      retryable: status >= 500,
      status: status >= 500 ? 503 : 400,
    })
    this.subject = subject
    this.errCode = error.err_code ?? 0
  }
}

/** A JetStream API call (stream/consumer/KV administration) failed. */
export class JetStreamRequestError extends AppError {
  constructor(operation: string, cause: unknown) {
    const reason = reasonOf(cause)
    const status = (cause as { status?: number } | undefined)?.status
    super('BUS_ERR_JETSTREAM', `${operation}: ${reason}`, {
      cause,
      retryable: status === undefined || status >= 500,
      status: 503,
    })
  }
}

/** A stream or consumer exists with settings that JetStream cannot change in place (e.g. storage). */
export class StreamConflictError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('BUS_ERR_STREAM_CONFLICT', message, { cause })
  }
}

/** A programming error in options passed to the bus. */
export class InvalidBusOptionsError extends AppError {
  constructor(message: string) {
    super('BUS_ERR_INVALID_OPTIONS', message)
  }
}

/** A consumed message matches none of the consumer's events. Dead-lettered at once. */
export class UnknownEventError extends AppError {
  readonly subject: string

  constructor(subject: string) {
    super('BUS_ERR_UNKNOWN_EVENT', `message on ${subject} is none of the consumer's events`)
    this.subject = subject
  }
}

/**
 * A message's header block cannot be parsed (a key with a space or a control character, a line break in a value):
 * only a foreign publisher writing the raw protocol stores one. Dead-lettered at once: it will not parse on the
 * next delivery either.
 */
export class UnreadableHeadersError extends AppError {
  constructor(cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super('BUS_ERR_UNREADABLE_HEADERS', `the message's headers cannot be read: ${reason}`, { cause })
  }
}

/**
 * A consumed message is a version of a declared event this consumer does not know (a newer producer
 * during a rolling deploy). Retryable: an upgraded instance may take it.
 */
export class UnsupportedEventVersionError extends AppError {
  constructor(event: string, version: string) {
    super('BUS_ERR_UNSUPPORTED_EVENT_VERSION', `no handler for ${event} version ${version}`, {
      retryable: true,
    })
  }
}

/**
 * `getMessage` found no message at that sequence: never stored, deleted, aged out, or the stream itself
 * is missing. Not retryable: it will not appear.
 */
export class MessageNotFoundError extends AppError {
  /** Logical stream name. */
  readonly stream: string
  readonly seq: number

  constructor(stream: string, seq: number, reason = `stream ${stream} has no message ${seq}`) {
    super('BUS_ERR_MESSAGE_NOT_FOUND', reason, { status: 404 })
    this.stream = stream
    this.seq = seq
  }
}

/** A replay or retry names a consumer that has no replay lane: unknown, never started, or opted out. */
export class ReplayLaneNotFoundError extends AppError {
  constructor(message: string) {
    super('BUS_ERR_NO_REPLAY_LANE', message, { status: 404 })
  }
}

/** No dead letter with that id: never recorded, or already retried or dropped. */
export class DeadLetterNotFoundError extends AppError {
  readonly id: number

  constructor(id: number) {
    super('BUS_ERR_DEAD_LETTER_NOT_FOUND', `no dead letter ${id}`, { status: 404 })
    this.id = id
  }
}

/** The record omitted a large payload and the original is no longer in its stream: nothing to retry. */
export class OriginalGoneError extends AppError {
  constructor(id: number, stream: string, seq: number) {
    super('BUS_ERR_ORIGINAL_GONE', `dead letter ${id}: message ${seq} of ${stream} is gone`, { status: 409 })
  }
}

/** The message of whatever a NATS call threw, for an error of ours that names it. */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

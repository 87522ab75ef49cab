/**
 * A JetStream stream as the system declares it: logical name and subjects (the bus adds a namespace
 * prefix), with production limits. Storage is always file and retention always `limits`: messages stay
 * for replay until they age out, whoever consumed them.
 */
export interface StreamDefinition {
  readonly name: string
  readonly subjects: readonly string[]
  readonly description: string
  /** Messages older than this are removed (production default; `BUS_STREAM_<NAME>_MAX_AGE` overrides). */
  readonly maxAgeMs: number
  /**
   * Upper bound of the stream's size on disk (a reservation against the server's JetStream store): the
   * production default, sized in the bus README; `BUS_STREAM_<NAME>_MAX_BYTES` overrides.
   */
  readonly maxBytes: number
  /**
   * The default outside production: small, because nats-server 2.9 reserves `max_bytes` up front and several
   * stacks, test runs and benches share one server.
   */
  readonly devMaxBytes: number
  /** Largest accepted message. */
  readonly maxMsgSize: number
  /**
   * What happens when `maxBytes` is reached: `new` rejects publishes, `old` drops the oldest messages. Every
   * stream of station traffic and its consequences is `old` (the default): a full stream must never refuse a
   * station; the archiver copies messages to object storage long before they reach the limit (and counts any
   * it lost, behind an alert that fires well before). Only REPLAY, which operators fill, is `new`.
   */
  readonly discard: 'new' | 'old'
  /** Window in which a repeated `Nats-Msg-Id` is stored once. */
  readonly duplicateWindowMs: number
}

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
const MiB = 1024 * 1024
const GiB = 1024 * MiB

function defineStream(
  def: Omit<StreamDefinition, 'duplicateWindowMs' | 'maxMsgSize' | 'discard'> & Partial<StreamDefinition>,
) {
  return Object.freeze({
    duplicateWindowMs: 2 * MINUTE,
    maxMsgSize: 256 * 1024,
    discard: 'old' as const,
    ...def,
  })
}

/** Every stream the system uses. */
export const Streams = {
  OCPP_IN: defineStream({
    name: 'OCPP_IN',
    subjects: ['ocpp.in.>', 'ocpp.fault.>'],
    description:
      'Raw messages from stations, stored before the station gets its answer, and the faults answered to authenticated stations.',
    maxAgeMs: 7 * DAY,
    maxBytes: 48 * GiB,
    devMaxBytes: 64 * MiB,
  }),
  COMMANDS: defineStream({
    name: 'COMMANDS',
    subjects: ['cmd.>'],
    description: 'Commands for stations (remote start/stop, reset, configuration) and their results.',
    maxAgeMs: 7 * DAY,
    maxBytes: 2 * GiB,
    devMaxBytes: 8 * MiB,
  }),
  DOMAIN: defineStream({
    name: 'DOMAIN',
    subjects: ['station.>', 'connector.>', 'session.>', 'meter.>'],
    description: 'Domain events derived from station messages by ingest.',
    maxAgeMs: 7 * DAY,
    maxBytes: 32 * GiB,
    devMaxBytes: 32 * MiB,
  }),
  FTP: defineStream({
    name: 'FTP',
    subjects: ['ftp.file.>'],
    description: 'Files received over FTP (the event references the stored object, not its bytes).',
    maxAgeMs: 30 * DAY,
    maxBytes: GiB,
    devMaxBytes: 8 * MiB,
  }),
  AGGREGATES: defineStream({
    name: 'AGGREGATES',
    subjects: ['aggregate.>'],
    description: 'Rollups computed by the aggregator; recomputable, so the oldest give way.',
    maxAgeMs: 30 * DAY,
    maxBytes: 2 * GiB,
    devMaxBytes: 8 * MiB,
  }),
  DEAD_LETTERS: defineStream({
    name: 'DEAD_LETTERS',
    subjects: ['dlq.>'],
    description: 'Messages a consumer gave up on, with the error; inspected and replayed by operators.',
    maxAgeMs: 365 * DAY,
    maxBytes: 2 * GiB,
    devMaxBytes: 16 * MiB,
    // A record carries the original payload (base64 when binary) plus headers and the error.
    maxMsgSize: MiB,
  }),
  REPLAY: defineStream({
    name: 'REPLAY',
    subjects: ['replay.>'],
    description:
      'History re-delivered to one consumer (its replay lane: replay.<stream>.<durable>.<subject>); operator-initiated.',
    maxAgeMs: DAY,
    maxBytes: GiB,
    devMaxBytes: 16 * MiB,
    // Full: the replay is refused (the command waits and retries), never station traffic.
    discard: 'new',
  }),
} as const satisfies Record<string, StreamDefinition>

export type StreamName = keyof typeof Streams

/** The streams in declaration order, for `bus.ensureStreams(allStreams)`. */
export const allStreams: readonly StreamDefinition[] = Object.values(Streams)

import { ARCHIVED_STREAMS } from '@chargebus/archive'
import { streamLimitsConfig } from '@chargebus/bus'
import { commonConfig } from '@chargebus/platform'
import { storageConfig } from '@chargebus/storage'
import { type Static, Type } from 'typebox'

/** The archiver's environment; the README's configuration table is rendered from this schema. */
export const ArchiverConfig = Type.Object({
  ...commonConfig.logging,
  ...commonConfig.telemetry,
  ...commonConfig.http({ port: 3500 }),
  ...commonConfig.nats,
  ...streamLimitsConfig,
  ...storageConfig,
  ARCHIVE_STREAMS: Type.String({
    pattern: `^(${ARCHIVED_STREAMS.join('|')})(,(${ARCHIVED_STREAMS.join('|')}))*$`,
    default: ARCHIVED_STREAMS.join(','),
    expected: `a comma-separated list of ${ARCHIVED_STREAMS.join(', ')}`,
    description: 'The streams this archiver copies (one archiver per stream at a time).',
  }),
  ARCHIVE_BATCH_MAX_MESSAGES: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: 100_000,
    description:
      'A batch (one manifest, one object per hour and subject prefix) closes at this many messages.',
  }),
  ARCHIVE_BATCH_MAX_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 1024 ** 3,
    default: 64 * 1024 * 1024,
    description:
      'A batch closes at this many bytes of JSON lines (uncompressed). Memory per stream: about this divided by the compression ratio (~8).',
  }),
  ARCHIVE_DELAY_MS: Type.Integer({
    minimum: 0,
    maximum: 86_400_000,
    default: 300_000,
    description:
      'When caught up with the stream, a batch is written once its oldest message is this old (a quiet stream is still archived).',
  }),
  ARCHIVE_GZIP_LEVEL: Type.Integer({
    minimum: 1,
    maximum: 9,
    default: 1,
    description: 'gzip level of the objects (1 fastest; see bench/README.md, "Archive", for the trade-off).',
  }),
  ARCHIVE_RETRY_MS: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 5_000,
    description:
      'Wait before retrying a stream after a failure (storage or NATS down); the batch is read again.',
  }),
})

export type ArchiverConfig = Static<typeof ArchiverConfig>

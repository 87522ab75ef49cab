import {
  type ArchiveAccess,
  type ArchivedStream,
  archivedStream,
  openArchiveAccess,
} from '@chargebus/archive'
import { natsAccessFrom, streamLimitsFrom } from '@chargebus/bus'
import { type Clock, systemClock } from '@chargebus/platform'
import { createStorageFromConfig, type ObjectStorage } from '@chargebus/storage'
import type { Logger } from 'pino'
import type { ArchiverConfig } from './config.ts'

/** Everything the archiver needs, opened by `openArchiverDependencies` (main, tests). */
export interface ArchiverDeps {
  config: ArchiverConfig
  logger: Logger
  access: ArchiveAccess
  storage: ObjectStorage
  streams: readonly ArchivedStream[]
  /** The clock of the delay rule and the ratio (tests pin it). */
  clock: Clock
}

export interface OpenedArchiverDependencies extends ArchiverDeps {
  close(): Promise<void>
}

export interface OpenArchiverOptions {
  /** Bus namespace; overrides `config.BUS_NAMESPACE` (tests pass their own). */
  namespace?: string
}

/** Opens NATS (its own connection), the positions KV bucket and the object storage. */
export async function openArchiverDependencies(
  config: ArchiverConfig,
  logger: Logger,
  opts: OpenArchiverOptions = {},
): Promise<OpenedArchiverDependencies> {
  const streams = [...new Set(config.ARCHIVE_STREAMS.split(','))].map(archivedStream)
  const storage = await createStorageFromConfig(config)
  const access = await openArchiveAccess({
    access: natsAccessFrom(config),
    name: 'archiver',
    namespace: opts.namespace ?? config.BUS_NAMESPACE,
    streamLimits: streamLimitsFrom(config),
    replicas: config.NATS_STREAM_REPLICAS,
  })
  return { config, logger, access, storage, streams, clock: systemClock, close: () => access.close() }
}

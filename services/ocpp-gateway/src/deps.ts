import { connectBus, natsAccessFrom, streamLimitsFrom } from '@chargebus/bus'
import { createCommandStore } from '@chargebus/command-store'
import { allocateTransactionIdBlock, createDb } from '@chargebus/db'
import { Streams } from '@chargebus/events'
import { type Clock, createMetricsRegistry, systemClock } from '@chargebus/platform'
import {
  createFirstBootRecorder,
  createPasswordChecks,
  type IdTagRecord,
  idTagRecordValidator,
  KvBuckets,
  openFtpGrants,
  type StationRecord,
  stationRecordValidator,
} from '@chargebus/station-registry'
import type { Logger } from 'pino'
import type { GatewayDeps } from './app.ts'
import { callerSettingsOf, dispatcherSettingsOf } from './commands/command-config.ts'
import { createCommandDispatcher } from './commands/command-dispatcher.ts'
import { createStationCaller } from './commands/data-access/station-caller.ts'
import { createStationFacts } from './commands/data-access/station-facts.ts'
import { type GatewayConfig, transactionIdSettingsFrom } from './config.ts'
import { jsonDecoder, startKvMirror } from './data-access/kv-mirror.ts'
import { createStationJournal } from './data-access/station-journal.ts'
import { createTransactionIdPool } from './data-access/transaction-id-pool.ts'
import { edgeSettingsOf } from './edge-settings.ts'

export interface OpenDependenciesOptions {
  /** Bus namespace; overrides `config.BUS_NAMESPACE` (tests pass their own). */
  namespace?: string
  /** Caps the OCPP_IN stream's max_bytes (tests, small dev servers). */
  streamMaxBytes?: number
  /** The clock of every time-dependent rule; default the system clock (tests set their own). */
  clock?: Clock
}

/** Deps plus how to release them (bus drained last among NATS users, then the pool). */
export interface OpenedDependencies extends GatewayDeps {
  close(): Promise<void>
}

/**
 * Connects the bus (namespace `opts.namespace`, else `BUS_NAMESPACE`), ensures the OCPP_IN stream, mirrors
 * the station and id-tag KV buckets into memory (resolves after their first load), and reserves the first
 * transaction id block (a Postgres outage is logged, not fatal: blocks are retried in the background).
 */
export async function openGatewayDependencies(
  config: GatewayConfig,
  logger: Logger,
  opts: OpenDependenciesOptions = {},
): Promise<OpenedDependencies> {
  const clock = opts.clock ?? systemClock
  const edge = edgeSettingsOf(config) // refuses an insecure production set-up before anything opens
  const idSettings = transactionIdSettingsFrom(config)
  // One registry for /metrics, the bus's and the pool's metrics (buildApp serves it).
  const metrics = createMetricsRegistry({ service: 'ocpp-gateway' })
  const bus = await connectBus({
    ...natsAccessFrom(config),
    streamLimits: streamLimitsFrom(config),
    replicas: config.NATS_STREAM_REPLICAS,
    name: 'ocpp-gateway',
    namespace: opts.namespace ?? config.BUS_NAMESPACE,
    logger,
    metrics: { registry: metrics },
    publishTimeoutMs: config.OCPP_PUBLISH_TIMEOUT_MS,
  })
  const closers: Array<() => Promise<void> | void> = [() => bus.close()]
  try {
    await bus.ensureStreams([Streams.OCPP_IN], opts.streamMaxBytes ? { maxBytes: opts.streamMaxBytes } : {})
    const passwordChecks = createPasswordChecks({ threads: config.OCPP_AUTH_CONCURRENCY })
    closers.push(() => passwordChecks.close())
    const stationsKv = await bus.kv(KvBuckets.stations)
    const idTagsKv = await bus.kv(KvBuckets.idTags)
    const stations = await startKvMirror<StationRecord>({
      kv: stationsKv,
      name: KvBuckets.stations,
      decode: jsonDecoder(stationRecordValidator),
      logger,
    })
    closers.unshift(() => stations.stop())
    const idTags = await startKvMirror<IdTagRecord>({
      kv: idTagsKv,
      name: KvBuckets.idTags,
      decode: jsonDecoder(idTagRecordValidator),
      logger,
    })
    closers.unshift(() => idTags.stop())

    const db = createDb({
      url: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
      applicationName: 'ocpp-gateway',
      metrics: { registry: metrics },
    })
    closers.push(() => db.destroy())
    // Transaction-id blocks get a connection of their own. In a boot burst the command dispatcher queues a
    // query per station on the main pool; a refill queued behind them left 1,000 StartTransactions of a
    // 2,000-station burst without an id (bench:e2e, issue 19).
    const idDb = createDb({
      url: config.DATABASE_URL,
      poolSize: 1,
      applicationName: 'ocpp-gateway-transaction-ids',
      metrics: { registry: metrics, pool: 'transaction-ids' },
    })
    closers.push(() => idDb.destroy())
    const transactionIds = createTransactionIdPool({
      allocate: (size) => allocateTransactionIdBlock(idDb, size),
      ...idSettings,
      logger,
    })
    closers.unshift(() => transactionIds.stop())
    await transactionIds.start().catch((err: unknown) => {
      logger.warn(
        { err },
        'no transaction ids reserved yet (Postgres unreachable?): StartTransaction faults until one is',
      )
    })

    // Not started here: `main` starts it once the app is built (tests start it when they need it).
    const caller = config.OCPP_COMMANDS_ENABLED
      ? createStationCaller(callerSettingsOf(config, edge))
      : undefined
    if (caller) closers.push(() => caller.close())
    const commandDispatcher = caller
      ? createCommandDispatcher({
          bus,
          logger,
          clock,
          commands: createCommandStore(db),
          facts: createStationFacts(db),
          caller,
          settings: dispatcherSettingsOf(config),
          grants: await openFtpGrants(bus),
        })
      : undefined
    if (commandDispatcher) closers.unshift(() => commandDispatcher.stop())

    return {
      metrics,
      config,
      logger,
      bus,
      clock,
      edge,
      passwordChecks,
      ...(commandDispatcher ? { commandDispatcher } : {}),
      stations,
      idTags,
      transactionIds,
      firstBoots: createFirstBootRecorder(stationsKv, logger),
      journal: createStationJournal({
        bus,
        logger,
        publishTimeoutMs: config.OCPP_PUBLISH_TIMEOUT_MS,
      }),
      close: () => closeAll(closers, logger),
    }
  } catch (err) {
    await closeAll(closers, logger)
    throw err
  }
}

async function closeAll(closers: Array<() => Promise<void> | void>, logger: Logger): Promise<void> {
  for (const close of closers) {
    try {
      await close()
    } catch (err) {
      logger.warn({ err }, 'closing a dependency failed')
    }
  }
}

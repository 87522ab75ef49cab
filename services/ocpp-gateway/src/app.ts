import type { Bus } from '@chargebus/bus'
import { type Clock, createServiceApp, httpOptionsFrom, type ServiceApp } from '@chargebus/platform'
import type {
  FirstBootRecorder,
  IdTagRecord,
  PasswordChecks,
  StationRecord,
} from '@chargebus/station-registry'
import type { Logger } from 'pino'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { CommandDispatcher } from './commands/command-dispatcher.ts'
import { type GatewayConfig, tlsOptionsFrom } from './config.ts'
import { createFaultJournal } from './data-access/fault-journal.ts'
import type { KvMirror } from './data-access/kv-mirror.ts'
import type { StationJournal } from './data-access/station-journal.ts'
import type { TransactionIdPool } from './data-access/transaction-id-pool.ts'
import type { EdgeSettings } from './edge-settings.ts'
import { soapRoutes } from './entry-points/http/soap-routes.ts'
import { createStationRequestHandler } from './entry-points/http/station-request.ts'

/** Everything the gateway needs, opened by `openGatewayDependencies` (main, tests). */
export interface GatewayDeps {
  config: GatewayConfig
  logger: Logger
  /** The registry `/metrics` serves, shared with the bus and the pool (`createMetricsRegistry`); a new one when omitted. */
  metrics?: Registry
  bus: Bus
  stations: KvMirror<StationRecord>
  idTags: KvMirror<IdTagRecord>
  firstBoots: FirstBootRecorder
  transactionIds: TransactionIdPool
  journal: StationJournal
  /** The command dispatcher (COMMANDS stream -> stations), when enabled; `main` starts it. */
  commandDispatcher?: CommandDispatcher
  /** The clock of every time-dependent rule (answers' currentTime, expiry, commands); tests set their own. */
  clock: Clock
  /** How the internet-facing edge treats stations (`edgeSettingsOf`). */
  edge: EdgeSettings
  /** Station password checks on low-priority worker threads. */
  passwordChecks: PasswordChecks
}

/**
 * The gateway's Fastify app (never listens): platform routes (`/healthz`, `/readyz`, `/metrics`) plus the
 * SOAP endpoints. `/readyz` reflects the ability to take station traffic: NATS (nothing is answered
 * without storing it) and the loaded KV caches. Postgres is not a readiness condition: it only refills
 * transaction id blocks, and the reserve keeps StartTransaction going while it is down; its state is the
 * `ocpp_gateway_transaction_id_refill_failing` gauge.
 *
 * ### Examples
 * ```ts
 * const deps = await openGatewayDependencies(config, logger)
 * const app = buildApp(deps)
 * const res = await app.inject({ method: 'POST', url: '/ocpp/1.6', headers: { 'content-type': 'application/soap+xml' }, payload: xml })
 * ```
 */
export function buildApp(deps: GatewayDeps): ServiceApp {
  const { config, logger, bus, stations, idTags, transactionIds } = deps
  const app = createServiceApp({
    name: 'ocpp-gateway',
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    logger,
    ...httpOptionsFrom(config),
    ...tlsOptionsFrom(config),
    readiness: {
      nats: () => bus.ping(),
      'kv-caches': async () => {
        if (!stations.synced || !idTags.synced) throw new Error('station and id-tag caches are still loading')
      },
    },
  })

  const requests = new Counter({
    name: 'ocpp_gateway_requests_total',
    help: 'Station requests by OCPP version, action and outcome (answered, duplicate, fault).',
    labelNames: ['version', 'action', 'outcome'] as const,
    registers: [app.metrics],
  })
  const durations = new Histogram({
    name: 'ocpp_gateway_request_duration_seconds',
    help: 'Station requests from the body read to the reply (the journal write included), by OCPP version, action and outcome.',
    labelNames: ['version', 'action', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [app.metrics],
  })
  const quirks = new Counter({
    name: 'ocpp_gateway_quirks_total',
    help: 'Tolerated deviations in answered station requests, by flag (timestamp-without-offset, nil-element, ...).',
    labelNames: ['quirk'] as const,
    registers: [app.metrics],
  })
  const auth = new Counter({
    name: 'ocpp_gateway_station_auth_total',
    help: 'Station authentication by outcome: verified, wrong (scrypt ran), remembered, throttled, unverifiable, missing, unreadable, busy.',
    labelNames: ['outcome'] as const,
    registers: [app.metrics],
  })
  new Gauge({
    name: 'ocpp_gateway_transaction_ids_available',
    help: 'Transaction ids reserved from Postgres and not yet handed out.',
    registers: [app.metrics],
    collect() {
      this.set(transactionIds.available())
    },
  })
  new Gauge({
    name: 'ocpp_gateway_transaction_id_waiting',
    help: 'StartTransaction requests waiting in line for a transaction id block (the reserve is empty).',
    registers: [app.metrics],
    collect() {
      this.set(transactionIds.waiting())
    },
  })
  new Gauge({
    name: 'ocpp_gateway_transaction_id_refill_failing',
    help: '1 while reserving transaction ids from Postgres fails (Postgres degraded); the reserve keeps serving.',
    registers: [app.metrics],
    collect() {
      this.set(transactionIds.refillFailing() ? 1 : 0)
    },
  })
  new Gauge({
    name: 'ocpp_gateway_cached_entries',
    help: 'Records mirrored from KV into memory.',
    labelNames: ['bucket'] as const,
    registers: [app.metrics],
    collect() {
      this.set({ bucket: 'stations' }, stations.size)
      this.set({ bucket: 'id_tags' }, idTags.size)
    },
  })

  const { commandDispatcher } = deps
  if (commandDispatcher) {
    new Gauge({
      name: 'ocpp_gateway_commands_held',
      help: 'Commands the dispatcher holds (waiting behind their station or for an unreachable station).',
      registers: [app.metrics],
      collect() {
        this.set(commandDispatcher.stats().held)
      },
    })
  }
  const faultsJournaled = new Counter({
    name: 'ocpp_gateway_fault_journal_total',
    help: 'Faults answered to authenticated stations, by what the fault journal did: journaled, rate_limited, failed.',
    labelNames: ['outcome'] as const,
    registers: [app.metrics],
  })
  const faults = createFaultJournal({
    bus,
    perStationPerMinute: config.OCPP_FAULT_JOURNAL_PER_MINUTE,
    publishTimeoutMs: config.OCPP_PUBLISH_TIMEOUT_MS,
    logger,
    count: (outcome) => faultsJournaled.inc({ outcome }),
  })
  const handler = createStationRequestHandler({
    ...deps,
    faults,
    requests,
    durations,
    quirks,
    auth,
    ...(commandDispatcher ? { onStationMessage: commandDispatcher.noteStationMessage } : {}),
  })
  app.register(soapRoutes, {
    handle: handler.handle,
    // Refused before the envelope was read (size, media type, encoding): a fault of no known version or action.
    onRefused: () => requests.inc({ version: 'unknown', action: 'unknown', outcome: 'fault' }),
    bodyLimitBytes: config.OCPP_BODY_LIMIT_BYTES,
    publicUrl: config.OCPP_PUBLIC_URL,
    logger,
  })
  return app
}

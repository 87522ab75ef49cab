import type { Bus } from '@chargebus/bus'
import { createCommandStore } from '@chargebus/command-store'
import type { Database, Kysely } from '@chargebus/db'
import type { Clock } from '@chargebus/platform'
import type { Logger } from 'pino'
import type { GatewayConfig } from './config.ts'
import { createStationCaller } from './data-access/station-caller.ts'
import { createStationFacts } from './data-access/station-facts.ts'
import {
  type CommandDispatcher,
  createCommandDispatcher,
} from './entry-points/consumers/command-dispatcher.ts'

/** Our CentralSystemService address for wsa:From: OCPP_CENTRAL_SYSTEM_URL, else OCPP_PUBLIC_URL, else HOST:PORT. */
export function centralSystemBaseUrl(config: GatewayConfig): string {
  const base =
    config.OCPP_CENTRAL_SYSTEM_URL ?? config.OCPP_PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`
  return base.replace(/\/+$/, '')
}

/** The dispatcher with its Postgres store and SOAP caller (not started: `main` and tests start it). */
export function createCommandsDependency(deps: {
  config: GatewayConfig
  logger: Logger
  bus: Bus
  db: Kysely<Database>
  clock: Clock
}): CommandDispatcher {
  const { config } = deps
  const base = centralSystemBaseUrl(config)
  return createCommandDispatcher({
    bus: deps.bus,
    logger: deps.logger,
    commands: createCommandStore(deps.db),
    facts: createStationFacts(deps.db),
    caller: createStationCaller({
      centralSystemUrl: (version) => `${base}/ocpp/${version}`,
      timeoutMs: config.OCPP_COMMAND_TIMEOUT_MS,
    }),
    settings: {
      concurrency: config.OCPP_COMMAND_CONCURRENCY,
      maxPending: config.OCPP_COMMAND_MAX_PENDING,
      retryScheduleMs: config.OCPP_COMMAND_RETRY_MS.split(',').map((v) => Number(v.trim())),
      defaultTtlMs: config.OCPP_COMMAND_DEFAULT_TTL_S * 1000,
      ackWaitMs: config.OCPP_COMMAND_ACK_WAIT_MS,
      orderStaleMs: config.OCPP_COMMAND_ORDER_STALE_S * 1000,
      capabilitiesDelayMs: config.OCPP_CAPABILITIES_DELAY_MS,
      capabilitiesMaxAgeMs: config.OCPP_CAPABILITIES_MAX_AGE_S * 1000,
      diagnosticsLocation: config.OCPP_DIAGNOSTICS_LOCATION,
    },
    clock: deps.clock,
  })
}

/**
 * @chargebus/simulator: a fleet of simulated OCPP 1.5/1.6 SOAP charging stations. The station behaviour is a pure
 * model (`react`, `obey`: state + event -> state + effects); `startFleet` drives N of them against a gateway over a
 * bounded keep-alive HTTP agent and serves their ChargePointService on one HTTP server.
 */
export { type Command, isObeyed, type Obeyed, obey } from './domain/commands.ts'
export {
  type ConfigEntry,
  type Configuration,
  changeConfiguration,
  initialConfiguration,
  readConfiguration,
} from './domain/configuration.ts'
export { type Charge, chargeFor, powerOf, sampledValues, socOf } from './domain/meter.ts'
export { nextRandom, stationSeed } from './domain/random.ts'
export {
  type Answer,
  type Behaviour,
  createStation,
  type Effect,
  type Reaction,
  react,
  type Send,
  type Session,
  type Station,
  type StationEvent,
  type TimerName,
} from './domain/station.ts'
export { SimulatorErrorCode, SimulatorListenError, SimulatorOptionError } from './errors.ts'
export {
  DEFAULT_FLEET_OPTIONS,
  type Fleet,
  type FleetOptions,
  type FleetProgress,
  type FleetSummary,
  gatewayUrls,
  startFleet,
  stationIds,
  validateFleetOptions,
} from './fleet.ts'
export { type CommandHandler, type CpServer, startCpServer } from './io/cp-server.ts'
export { type CallOutcome, type CsClient, createCsClient } from './io/cs-client.ts'
export { percentile, summarizeLatencies } from './stats.ts'

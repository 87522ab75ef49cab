export { clientNetworkOf } from './client-network.ts'
export { type Clock, systemClock } from './clock.ts'
export { commonConfig, LOG_LEVELS, type LogLevel } from './common-config.ts'
export {
  type ConfigRow,
  describeConfig,
  type Env,
  loadConfig,
  maskValue,
  renderConfigTable,
} from './config.ts'
export {
  ConfigError,
  type ConfigIssue,
  PlatformErrorCode,
  ReadinessTimeoutError,
  ScrapeReadTimeoutError,
  ShutdownTimeoutError,
} from './errors.ts'
export {
  createFailureThrottle,
  type FailureThrottle,
  type FailureThrottleOptions,
  type ThrottleVerdict,
} from './failure-throttle.ts'
export type { BackgroundWork } from './health-routes.ts'
export { type CreateLoggerOptions, createLogger, REDACTED_PATHS } from './logger.ts'
export { createMetricsRegistry } from './metrics.ts'
export { OPERATIONAL_PATHS } from './operational-paths.ts'
export {
  type CheckResult,
  type ReadinessCheck,
  type ReadinessReport,
  runReadinessChecks,
} from './readiness.ts'
export { type RunningService, type RunServiceOptions, runService } from './run-service.ts'
export { createScrapeRead, type ScrapeReadOptions, type ScrapeResult } from './scrape-read.ts'
export { createSerialTimer, type SerialTimer } from './serial-timer.ts'
export {
  createServiceApp,
  type HttpLimits,
  httpOptionsFrom,
  type ServiceApp,
  type ServiceAppOptions,
} from './service-app.ts'
export { type StartServiceOptions, startService } from './start-service.ts'
export {
  type StartTelemetryOptions,
  startTelemetry,
  startTelemetrySync,
  type Telemetry,
} from './telemetry.ts'

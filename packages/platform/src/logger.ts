import { isSpanContextValid, trace } from '@opentelemetry/api'
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino'
import type { LogLevel } from './common-config.ts'

/** Paths whose values never reach a log line: credentials in headers, bodies and config objects. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'password',
  '*.password',
  '*.*.password',
  'apiKey',
  '*.apiKey',
] as const

export interface CreateLoggerOptions {
  /** Service or component name, written as `name` on every line. */
  name: string
  level?: LogLevel
  /** More paths to redact, in pino's path syntax. */
  redact?: readonly string[]
  /** Where lines go; stdout, written synchronously, when omitted. */
  destination?: DestinationStream
}

/**
 * Creates the pino logger a service passes to everything it builds. Why not pino directly: every
 * line carries `trace_id`/`span_id` of the active OpenTelemetry span, so a log line leads to its
 * trace, and credentials are redacted in one place.
 *
 * The trace lookup is a `mixin`, evaluated only for lines that are written; with telemetry off
 * there is never an active span and the mixin returns an empty object.
 *
 * ### Examples
 * ```ts
 * const logger = createLogger({ name: 'ingest', level: config.LOG_LEVEL })
 * logger.info({ stationId }, 'boot accepted') // {"level":"info","name":"ingest","trace_id":"4bf9…",…}
 * ```
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const pinoOptions: LoggerOptions = {
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: [...REDACTED_PATHS, ...(options.redact ?? [])], censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceContextMixin,
  }
  // Synchronous stdout: pino's default asynchronous stdout can reorder or lose the last lines when
  // the process exits (the fatal line of a crash, the shutdown lines). Services log little at info.
  return pino(pinoOptions, options.destination ?? pino.destination({ dest: 1, sync: true }))
}

/** Returns the active span's ids in W3C hex form, or nothing when no (valid) span is active. */
export function traceContextMixin(): Record<string, string> {
  const span = trace.getActiveSpan()
  if (!span) return {}
  const ctx = span.spanContext()
  if (!isSpanContextValid(ctx)) return {}
  return {
    trace_id: ctx.traceId,
    span_id: ctx.spanId,
    trace_flags: ctx.traceFlags.toString(16).padStart(2, '0'),
  }
}

import { AppError, defineErrorCodes } from '@chargebus/errors'

/**
 * Every error code the platform package throws or logs. Each one is documented in the package
 * README (a unit test keeps the two in sync), so an operator who sees a code in a log line can
 * look it up.
 */
export const PlatformErrorCode = defineErrorCodes({
  PLATFORM_ERR_CONFIG: {
    meaning: 'one or more environment variables are missing or malformed; the service cannot start',
  },
  PLATFORM_ERR_READINESS_TIMEOUT: { meaning: 'a readiness check did not settle within its time budget' },
  PLATFORM_ERR_SHUTDOWN_TIMEOUT: {
    meaning: 'a graceful shutdown did not finish within its time budget; the process exits with 1',
  },
  PLATFORM_ERR_SCRAPE_READ_TIMEOUT: {
    meaning:
      'a read behind scrape-time gauges did not answer within its time budget; /metrics went without it',
  },
})

export type PlatformErrorCode = keyof typeof PlatformErrorCode

/** One environment variable that failed validation. `got` is already masked when the value is a secret. */
export interface ConfigIssue {
  readonly variable: string
  /** The expected form in words, e.g. `an integer from 1 to 65535`. */
  readonly expected: string
  /** The value as given (masked for secrets), or `undefined` when the variable is not set. */
  readonly got: string | undefined
}

/**
 * The environment does not describe a runnable service. The message has exactly one line per bad
 * variable, each naming the variable, the expected form and the (masked) value, so `main.ts` can
 * print `err.message` and exit 1 without a stack trace.
 *
 * ### Examples
 * ```text
 * config: PORT must be an integer from 1 to 65535 (got "abc")
 * config: DATABASE_URL must be a URL (got "postgres://chargebus:***@db")
 * ```
 */
export class ConfigError extends AppError {
  readonly issues: readonly ConfigIssue[]

  constructor(issues: readonly ConfigIssue[]) {
    super('PLATFORM_ERR_CONFIG', issues.map(formatConfigIssue).join('\n'))
    this.issues = issues
  }
}

/** A readiness check that neither resolved nor rejected in time (a hung socket, a stuck pool). */
export class ReadinessTimeoutError extends AppError {
  readonly check: string
  readonly timeoutMs: number

  constructor(check: string, timeoutMs: number) {
    super('PLATFORM_ERR_READINESS_TIMEOUT', `${check} did not answer within ${timeoutMs} ms`, {
      retryable: true,
      status: 503,
    })
    this.check = check
    this.timeoutMs = timeoutMs
  }
}

/** The graceful shutdown took longer than allowed; logged right before the forced `exit(1)`. */
export class ShutdownTimeoutError extends AppError {
  readonly timeoutMs: number

  constructor(timeoutMs: number) {
    super('PLATFORM_ERR_SHUTDOWN_TIMEOUT', `graceful shutdown did not finish within ${timeoutMs} ms`)
    this.timeoutMs = timeoutMs
  }
}

/** A read behind scrape-time gauges (`createScrapeRead`) did not answer in time; that scrape goes without it. */
export class ScrapeReadTimeoutError extends AppError {
  readonly timeoutMs: number

  constructor(timeoutMs: number) {
    super('PLATFORM_ERR_SCRAPE_READ_TIMEOUT', `the read for /metrics did not answer within ${timeoutMs} ms`, {
      retryable: true,
    })
    this.timeoutMs = timeoutMs
  }
}

function formatConfigIssue(issue: ConfigIssue): string {
  const got = issue.got === undefined ? 'not set' : `got ${JSON.stringify(issue.got)}`
  return `config: ${issue.variable} must be ${issue.expected} (${got})`
}

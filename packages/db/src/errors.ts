import { AppError } from '@chargebus/platform'

/**
 * Every code `@chargebus/db` throws. README.md documents each one (a unit test checks).
 * Anything else escaping this package (a pg error, a bug) is not an `AppError`.
 */
export const DbErrorCode = {
  InvalidUrl: 'DB_ERR_INVALID_URL',
  InvalidDatabaseName: 'DB_ERR_INVALID_DATABASE_NAME',
  Unavailable: 'DB_ERR_UNAVAILABLE',
  MigrationFailed: 'DB_ERR_MIGRATION_FAILED',
  NotInTransaction: 'DB_ERR_NOT_IN_TRANSACTION',
  InvalidBlockSize: 'DB_ERR_INVALID_BLOCK_SIZE',
  TransactionIdsExhausted: 'DB_ERR_TRANSACTION_IDS_EXHAUSTED',
} as const

export type DbErrorCode = (typeof DbErrorCode)[keyof typeof DbErrorCode]

const EXPECTED_URL = 'postgres://user:password@host:port/database'

/** A connection URL that cannot work. The message never contains the password. */
export class InvalidDatabaseUrl extends AppError {
  readonly reason: string

  constructor(reason: string) {
    super(DbErrorCode.InvalidUrl, `invalid database URL: ${reason} (expected ${EXPECTED_URL})`)
    this.reason = reason
  }
}

/** A database name we refuse to put into DDL (create/drop database). */
export class InvalidDatabaseName extends AppError {
  readonly databaseName: string

  constructor(databaseName: string) {
    super(
      DbErrorCode.InvalidDatabaseName,
      `invalid database name ${JSON.stringify(databaseName)}: use 1-63 lowercase letters, digits and _ (not starting with a digit)`,
    )
    this.databaseName = databaseName
  }
}

/** The database did not answer (refused, timed out, rejected the login, does not exist). Readiness fails. */
export class DatabaseUnavailable extends AppError {
  /** What went wrong, without the `database unavailable:` prefix (callers add the target). */
  readonly detail: string

  constructor(detail: string, cause?: unknown) {
    super(DbErrorCode.Unavailable, `database unavailable: ${detail}`, { cause, retryable: true, status: 503 })
    this.detail = detail
  }
}

/**
 * A migration failed and was rolled back (migrations run in one transaction).
 * `migrationName` is undefined when the failure happened before any migration started.
 */
export class MigrationFailed extends AppError {
  readonly migrationName: string | undefined

  constructor(migrationName: string | undefined, cause: unknown) {
    const what = migrationName === undefined ? 'migrations failed' : `migration ${migrationName} failed`
    super(DbErrorCode.MigrationFailed, `${what}: ${describeError(cause)}`, { cause })
    this.migrationName = migrationName
  }
}

/** A helper that needs a transaction (for `SET LOCAL` semantics) was given a plain `Kysely`. */
export class NotInTransaction extends AppError {
  constructor(what: string) {
    super(
      DbErrorCode.NotInTransaction,
      `${what} must run inside a transaction (db.transaction().execute(...))`,
    )
  }
}

/** A transaction-id block size outside 1..MAX_BLOCK_SIZE or not an integer. */
export class InvalidBlockSize extends AppError {
  readonly size: number

  constructor(size: number, max: number) {
    super(
      DbErrorCode.InvalidBlockSize,
      `transaction id block size must be an integer in 1..${max}, got ${size}`,
      {
        status: 400,
      },
    )
    this.size = size
  }
}

/** The transaction id sequence cannot hand out another block below the OCPP (xs:int) maximum. */
export class TransactionIdsExhausted extends AppError {
  constructor(detail: string, cause?: unknown) {
    super(DbErrorCode.TransactionIdsExhausted, `transaction ids exhausted: ${detail}`, { cause })
  }
}

/**
 * One line describing any thrown value. pg reports a refused `localhost` (IPv4 and IPv6) as an
 * `AggregateError` with an empty message; this lists the inner errors instead.
 */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.message === '') {
    return err.errors.map(describeError).join('; ') || 'unknown error'
  }
  if (err instanceof Error) return err.message || err.name
  return String(err)
}

import { AppError, defineErrorCodes } from '@chargebus/errors'

/**
 * Every code `@chargebus/db` throws. README.md documents each one (a unit test checks).
 * Anything else escaping this package (a pg error, a bug) is not an `AppError`.
 */
export const DbErrorCode = defineErrorCodes({
  DB_ERR_INVALID_URL: {
    meaning:
      'a connection URL is not postgres://user:password@host:port/database (the message never shows the password)',
  },
  DB_ERR_INVALID_DATABASE_NAME: {
    meaning: 'a name for createDatabase/dropDatabase is not a plain lowercase identifier',
  },
  DB_ERR_UNAVAILABLE: { meaning: 'the database refused, timed out, rejected the login or does not exist' },
  DB_ERR_MIGRATION_FAILED: {
    meaning: 'a migration failed (migrationName says which); the run was rolled back',
  },
  DB_ERR_NOT_IN_TRANSACTION: { meaning: 'setLocalStatementTimeout got a Kysely that is not a transaction' },
  DB_ERR_INVALID_BLOCK_SIZE: { meaning: 'a transaction id block size is not an integer in 1..1000000' },
  DB_ERR_TRANSACTION_IDS_EXHAUSTED: { meaning: 'the next block would pass 2147483647' },
})

export type DbErrorCode = keyof typeof DbErrorCode

const EXPECTED_URL = 'postgres://user:password@host:port/database'

/** A connection URL that cannot work. The message never contains the password. */
export class InvalidDatabaseUrl extends AppError {
  readonly reason: string

  constructor(reason: string) {
    super('DB_ERR_INVALID_URL', `invalid database URL: ${reason} (expected ${EXPECTED_URL})`)
    this.reason = reason
  }
}

/** A database name we refuse to put into DDL (create/drop database). */
export class InvalidDatabaseName extends AppError {
  readonly databaseName: string

  constructor(databaseName: string) {
    super(
      'DB_ERR_INVALID_DATABASE_NAME',
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
    super('DB_ERR_UNAVAILABLE', `database unavailable: ${detail}`, { cause, retryable: true, status: 503 })
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
    super('DB_ERR_MIGRATION_FAILED', `${what}: ${describeError(cause)}`, { cause })
    this.migrationName = migrationName
  }
}

/** A helper that needs a transaction (for `SET LOCAL` semantics) was given a plain `Kysely`. */
export class NotInTransaction extends AppError {
  constructor(what: string) {
    super(
      'DB_ERR_NOT_IN_TRANSACTION',
      `${what} must run inside a transaction (db.transaction().execute(...))`,
    )
  }
}

/** A transaction-id block size outside 1..MAX_BLOCK_SIZE or not an integer. */
export class InvalidBlockSize extends AppError {
  readonly size: number

  constructor(size: number, max: number) {
    super(
      'DB_ERR_INVALID_BLOCK_SIZE',
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
    super('DB_ERR_TRANSACTION_IDS_EXHAUSTED', `transaction ids exhausted: ${detail}`, { cause })
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

import { AppError, defineErrorCodes } from '@chargebus/errors'

/** The CLI's own error codes (the README's table is checked against this map by `test/unit/errors.test.ts`). */
export const CliErrorCodes = defineErrorCodes({
  CLI_ERR_INVALID_INPUT: {
    meaning: 'events read from stdin are not JSON, not in the catalog or invalid; nothing was done',
  },
  CLI_ERR_UNKNOWN_HANDLER: { meaning: '`events invoke` names a service or consumer that has no handler' },
  CLI_ERR_HISTORY_GAP: {
    meaning:
      '`aggregates rebuild --from` would skip DOMAIN sequences that neither the archive nor the stream holds; nothing was swapped (`--allow-gaps` rebuilds without them)',
  },
  CLI_ERR_NOT_FOUND: {
    meaning:
      '`files` or `firmware` names a station, file or firmware image Postgres does not know, or `trace` a station with no OCPP_IN entry and no station record; nothing was done',
  },
  CLI_ERR_UNREACHABLE: {
    meaning: '`simulate`: nothing answers at the OCPP gateway URL; no station was started',
  },
  CLI_ERR_CONTENT_MISMATCH: {
    meaning:
      '`files get`: the bytes read from storage do not match the recorded size or SHA-256; an --output file is not written',
  },
})

export type CliErrorCode = keyof typeof CliErrorCodes

/** Input that cannot be published or invoked: nothing was done with any of it. */
export class InvalidInputError extends AppError {
  constructor(message: string) {
    super('CLI_ERR_INVALID_INPUT', message, { status: 400 })
  }
}

/** `events invoke SERVICE CONSUMER` for a pair that does not exist; the message lists the ones that do. */
export class UnknownHandlerError extends AppError {
  constructor(message: string) {
    super('CLI_ERR_UNKNOWN_HANDLER', message, { status: 404 })
  }
}

/** A rebuild from the archive would miss sequences (lost before archiving): refused, nothing swapped. */
export class HistoryGapError extends AppError {
  constructor(gaps: readonly (readonly [number, number])[]) {
    const ranges = gaps.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ')
    super(
      'CLI_ERR_HISTORY_GAP',
      `DOMAIN sequences ${ranges} are neither in the archive nor in the stream (they left it before they were archived): the rollups would miss them. Nothing was swapped; --allow-gaps rebuilds without them.`,
      { status: 409 },
    )
  }
}

/** A station, file or firmware image that does not exist. */
export class NotFoundError extends AppError {
  constructor(message: string) {
    super('CLI_ERR_NOT_FOUND', message, { status: 404 })
  }
}

/** Stored bytes that are not what their row promises (size or SHA-256): corrupt or replaced storage. */
export class ContentMismatchError extends AppError {
  constructor(message: string) {
    super('CLI_ERR_CONTENT_MISMATCH', message, { status: 500 })
  }
}

/** A server the command needs does not answer (the gateway for `simulate`); the message says how to start it. */
export class UnreachableError extends AppError {
  constructor(message: string) {
    super('CLI_ERR_UNREACHABLE', message, { status: 503 })
  }
}

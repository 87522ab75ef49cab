import { AppError, defineErrorCodes } from '@chargebus/errors'

/** The CLI's own error codes (the README's table is checked against this map by `test/unit/errors.test.ts`). */
export const CliErrorCodes = defineErrorCodes({
  CLI_ERR_INVALID_INPUT: {
    meaning: 'events read from stdin are not JSON, not in the catalog or invalid; nothing was done',
  },
  CLI_ERR_UNKNOWN_HANDLER: { meaning: '`events invoke` names a service or consumer that has no handler' },
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

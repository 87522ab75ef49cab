import { AppError, defineErrorCodes } from '@chargebus/errors'

/**
 * Error codes of the command routes (problem+json `code`), rendered by the route plugin's own error handler;
 * everything else goes to the API's handler (validation, auth, 404 station...). The README's commands
 * section lists them (a unit test checks).
 */
export const CommandApiErrorCodes = defineErrorCodes({
  API_ERR_COMMAND_NOT_FOUND: { status: 404, title: 'Command not found', meaning: 'no command with that id' },
  API_ERR_COMMAND_NOT_SUPPORTED: {
    status: 409,
    title: 'Command not supported by the station',
    meaning:
      "the station's OCPP version lacks the operation, or its feature profiles (learnt by GetConfiguration) do not include it; nothing was queued",
  },
  API_ERR_IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    title: 'Idempotency key reused',
    meaning: 'the key was used for another operation or payload on this station; nothing was queued',
  },
})

export type CommandApiErrorCode = keyof typeof CommandApiErrorCodes

export class CommandApiError extends AppError {
  readonly title: string

  constructor(code: CommandApiErrorCode, message: string) {
    super(code, message, { status: CommandApiErrorCodes[code].status })
    this.title = CommandApiErrorCodes[code].title
  }
}

export class CommandNotFound extends CommandApiError {
  constructor(id: string) {
    super('API_ERR_COMMAND_NOT_FOUND', `command ${id} does not exist`)
  }
}

export class CommandNotSupported extends CommandApiError {
  constructor(stationId: string, reason: string) {
    super('API_ERR_COMMAND_NOT_SUPPORTED', `station ${stationId}: ${reason}`)
  }
}

export class IdempotencyKeyReused extends CommandApiError {
  constructor(stationId: string, key: string) {
    super(
      'API_ERR_IDEMPOTENCY_KEY_REUSED',
      `idempotency key ${key} was used for a different command on station ${stationId}`,
    )
  }
}

/** `5s`, `500ms`, `2` (seconds) -> milliseconds, capped at `maxMs`; undefined when absent. */
export function parseWait(value: string | undefined, maxMs: number): number | undefined {
  if (value === undefined) return undefined
  const m = /^(\d{1,6})(ms|s)?$/.exec(value.trim())
  if (!m) return undefined
  const n = Number(m[1])
  return Math.min(m[2] === 'ms' ? n : n * 1000, maxMs)
}

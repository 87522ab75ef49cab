import { AppError, defineErrorCodes } from '@chargebus/errors'

/**
 * Why a command did not (yet) reach its station or did not get a usable answer: recorded in
 * `commands.error_code` / `error_message` and in `command.updated` events. The README's Commands section
 * lists them (a unit test checks).
 */
export const CommandErrorCodes = defineErrorCodes({
  COMMAND_ERR_ADDRESS_REFUSED: {
    meaning:
      "the station's address is not http(s), or resolves only to addresses the gateway may not call (loopback, private, link-local, cloud metadata) and OCPP_CALLBACK_ALLOWED_NETWORKS does not allow them: nothing was sent; the command waits for a usable address",
  },
  COMMAND_ERR_UNREACHABLE: {
    meaning:
      'the station could not be reached (connection refused, unknown host, connect timeout, HTTP 502/503 without a SOAP answer): nothing was delivered, the command stays queued and is retried with backoff and as soon as the station contacts us',
  },
  COMMAND_ERR_NO_ENDPOINT: {
    meaning:
      'no ChargePointService address is known for the station yet (it never sent wsa:From): the command waits for the station to contact us',
  },
  COMMAND_ERR_ORDER_WAIT: {
    meaning:
      'an older unfinished command of the same station is held elsewhere (another dispatcher, or not redelivered yet): this one waits',
  },
  COMMAND_ERR_TIMEOUT: {
    meaning:
      'the request was sent but no answer came within OCPP_COMMAND_TIMEOUT_MS: failed, not resent (the station may have acted)',
  },
  COMMAND_ERR_CONNECTION_LOST: {
    meaning:
      'the connection broke after the request was sent: failed, not resent (the station may have acted)',
  },
  COMMAND_ERR_OUTCOME_UNKNOWN: {
    meaning:
      'the gateway stopped after recording the command as sent and before recording the answer: failed, never resent',
  },
  COMMAND_ERR_FAULT: {
    meaning: 'the station answered with a SOAP fault (the message has its code and reason)',
  },
  COMMAND_ERR_BAD_RESPONSE: {
    meaning:
      "the station's answer is not a valid response to the call (HTTP error, not SOAP, wrong element, schema)",
  },
  COMMAND_ERR_UNSUPPORTED: {
    meaning:
      "the operation (or a field of it) does not exist in the station's OCPP version, or its feature profile is not supported",
  },
  COMMAND_ERR_INVALID_PAYLOAD: {
    meaning: 'the payload does not fit the OCPP 1.6 request schema of the operation',
  },
  COMMAND_ERR_EXPIRED: {
    meaning: 'the command expired (ttlSeconds, else OCPP_COMMAND_DEFAULT_TTL_S) before it could be sent',
  },
  COMMAND_ERR_DISPATCHER_STOPPING: {
    meaning:
      'internal: the dispatcher is stopping; the command message is handed back to JetStream (never recorded)',
  },
})

export type CommandErrorCode = keyof typeof CommandErrorCodes

/** A command-level failure; `retryable` means the command was not delivered and may be tried again. */
export class CommandError extends AppError {
  constructor(code: CommandErrorCode, message: string, opts: { cause?: unknown; retryable?: boolean } = {}) {
    super(code, message, { cause: opts.cause, retryable: opts.retryable ?? false })
  }
}

/** A command whose expiry passed before it could be sent (while it waited, or right before sending). */
export class CommandExpired extends CommandError {
  constructor(expiresAt: Date | null) {
    super('COMMAND_ERR_EXPIRED', `expired at ${expiresAt?.toISOString() ?? '?'} before it could be sent`)
  }
}

/** Thrown to the bus on shutdown so the command message is nak'ed, not acked: the next process takes it. */
export class DispatcherStopping extends CommandError {
  constructor() {
    super('COMMAND_ERR_DISPATCHER_STOPPING', 'the command dispatcher is stopping', { retryable: true })
  }
}

import { AppError, defineErrorCodes } from '@chargebus/errors'

/**
 * Every error code the gateway itself raises (decode errors are `OCPP_ERR_*` from `@chargebus/ocpp`), with
 * the SOAP fault it becomes. The README table is checked against this map by a unit test.
 */
export const GatewayErrorCodes = defineErrorCodes({
  GATEWAY_ERR_STATION_NOT_ACCEPTED: {
    meaning:
      'the station is not Accepted (Pending/Rejected) and sent something other than BootNotification: Sender fault, subcode SecurityError',
  },
  GATEWAY_ERR_UNAUTHORIZED: {
    meaning:
      'HTTP Basic credentials are missing or wrong for a station that needs them: HTTP 401 with WWW-Authenticate and a Sender/SecurityError fault',
  },
  GATEWAY_ERR_BODY_TOO_LARGE: {
    meaning: 'the request body exceeds OCPP_BODY_LIMIT_BYTES: HTTP 413, Sender fault',
  },
  GATEWAY_ERR_MEDIA_TYPE: {
    meaning:
      'the Content-Type is not application/soap+xml, text/xml or application/xml: HTTP 415, Sender fault',
  },
  GATEWAY_ERR_BAD_REQUEST: {
    meaning: 'the HTTP request itself is unusable (empty body, bad encoding): Sender fault',
  },
  GATEWAY_ERR_IDENTITY_TOO_LONG: {
    meaning: 'the chargeBoxIdentity is longer than 255 characters: Sender fault',
  },
  GATEWAY_ERR_TRANSACTION_IDS_EXHAUSTED: {
    meaning:
      'no reserved transaction id is left and Postgres cannot give a new block: Receiver fault (the station retries)',
  },
  GATEWAY_ERR_BUSY: {
    meaning:
      'more password checks are waiting than OCPP_AUTH_QUEUE_MAX: HTTP 503, Receiver fault (the station retries; its cached verdict makes the retry cheap)',
  },
  GATEWAY_ERR_NOT_READY: {
    meaning:
      'the station and id-tag caches are still loading (start-up, NATS away at start): HTTP 503, Receiver fault; nothing is answered from a half-loaded cache',
  },
  GATEWAY_ERR_NOT_STORED: {
    meaning:
      'JetStream did not confirm storing the message (NATS down, timeout, stream full): Receiver fault, the station retries',
  },
})

export type GatewayErrorCode = keyof typeof GatewayErrorCodes

/** A gateway error and how the SOAP edge answers it. */
export class GatewayError extends AppError {
  readonly fault: {
    code: 'Sender' | 'Receiver'
    subcode?: 'SecurityError' | 'ProtocolError' | 'InternalError'
  }
  /**
   * A refusal the gateway makes on purpose when loaded or starting (busy, not ready): counted in metrics and
   * logged at debug, so a flood cannot turn into a flood of log lines.
   */
  readonly shedding: boolean

  constructor(
    code: GatewayErrorCode,
    message: string,
    opts: {
      status: number
      fault: GatewayError['fault']
      cause?: unknown
      retryable?: boolean
      shedding?: boolean
    },
  ) {
    super(code, message, { status: opts.status, cause: opts.cause, retryable: opts.retryable ?? false })
    this.fault = opts.fault
    this.shedding = opts.shedding ?? false
  }
}

export class StationNotAccepted extends GatewayError {
  constructor(stationId: string, status: string) {
    super(
      'GATEWAY_ERR_STATION_NOT_ACCEPTED',
      `station ${stationId} is not accepted (registration status ${status}); only BootNotification is answered`,
      { status: 400, fault: { code: 'Sender', subcode: 'SecurityError' } },
    )
  }
}

/**
 * One text for every authentication failure (missing, malformed, wrong, throttled, unreadable record, refused
 * before or after the body was read): the answer must not tell a prober which stations exist or have
 * passwords. The station and `reason` go to the log only.
 */
export class StationUnauthorized extends GatewayError {
  readonly stationId: string
  readonly reason: string
  constructor(stationId: string, reason: string) {
    super('GATEWAY_ERR_UNAUTHORIZED', 'HTTP Basic credentials missing or not accepted', {
      status: 401,
      fault: { code: 'Sender', subcode: 'SecurityError' },
    })
    this.stationId = stationId
    this.reason = reason
  }
}

export class PasswordChecksBusy extends GatewayError {
  constructor() {
    super('GATEWAY_ERR_BUSY', 'too many credential checks at once, try again later', {
      status: 503,
      fault: { code: 'Receiver', subcode: 'InternalError' },
      retryable: true,
      shedding: true,
    })
  }
}

export class CachesNotReady extends GatewayError {
  constructor() {
    super('GATEWAY_ERR_NOT_READY', 'the central system is starting, try again later', {
      status: 503,
      fault: { code: 'Receiver', subcode: 'InternalError' },
      retryable: true,
      shedding: true,
    })
  }
}

export class BodyTooLarge extends GatewayError {
  constructor(limit: number) {
    super('GATEWAY_ERR_BODY_TOO_LARGE', `request body exceeds ${limit} bytes`, {
      status: 413,
      fault: { code: 'Sender', subcode: 'ProtocolError' },
    })
  }
}

export class UnsupportedMediaType extends GatewayError {
  constructor(contentType: string | undefined) {
    super(
      'GATEWAY_ERR_MEDIA_TYPE',
      `Content-Type ${JSON.stringify(contentType ?? '')} is not application/soap+xml, text/xml or application/xml`,
      { status: 415, fault: { code: 'Sender', subcode: 'ProtocolError' } },
    )
  }
}

export class BadHttpRequest extends GatewayError {
  constructor(reason: string) {
    super('GATEWAY_ERR_BAD_REQUEST', reason, {
      status: 400,
      fault: { code: 'Sender', subcode: 'ProtocolError' },
    })
  }
}

export class IdentityTooLong extends GatewayError {
  constructor(length: number) {
    super(
      'GATEWAY_ERR_IDENTITY_TOO_LONG',
      `chargeBoxIdentity has ${length} characters, at most 255 are allowed`,
      {
        status: 400,
        fault: { code: 'Sender', subcode: 'ProtocolError' },
      },
    )
  }
}

export class TransactionIdsExhausted extends GatewayError {
  constructor() {
    super('GATEWAY_ERR_TRANSACTION_IDS_EXHAUSTED', 'no transaction id available, try again later', {
      status: 500,
      fault: { code: 'Receiver', subcode: 'InternalError' },
      retryable: true,
    })
  }
}

export class MessageNotStored extends GatewayError {
  constructor(cause: unknown) {
    super('GATEWAY_ERR_NOT_STORED', 'the message could not be stored, try again later', {
      status: 500,
      fault: { code: 'Receiver', subcode: 'InternalError' },
      cause,
      retryable: true,
    })
  }
}

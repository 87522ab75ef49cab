import { AppError, defineErrorCodes } from '@chargebus/errors'

/**
 * Every error code the API answers with (the `code` of a problem+json body), its HTTP status and meaning.
 * The README table is checked against this map by a unit test.
 */
export const ApiErrorCodes = defineErrorCodes({
  API_ERR_VALIDATION: {
    status: 400,
    title: 'Invalid request',
    meaning: 'a parameter or body field is invalid; `errors` names each one',
  },
  API_ERR_BAD_REQUEST: {
    status: 400,
    title: 'Bad request',
    meaning: 'the request itself is unusable (malformed JSON, bad encoding)',
  },
  API_ERR_UNAUTHENTICATED: {
    status: 401,
    title: 'Unauthenticated',
    meaning: 'no API key, an unknown key or a revoked one (`WWW-Authenticate: Bearer`)',
  },
  API_ERR_FORBIDDEN: {
    status: 403,
    title: 'Forbidden',
    meaning: 'the API key lacks the scope the route needs',
  },
  API_ERR_NOT_FOUND: { status: 404, title: 'Not found', meaning: 'no such route' },
  API_ERR_STATION_NOT_FOUND: { status: 404, title: 'Station not found', meaning: 'no station with that id' },
  API_ERR_CONNECTOR_NOT_FOUND: {
    status: 404,
    title: 'Connector not found',
    meaning: 'the station has no such connector',
  },
  API_ERR_SESSION_NOT_FOUND: {
    status: 404,
    title: 'Session not found',
    meaning: 'no session (transaction) with that id',
  },
  API_ERR_ID_TAG_NOT_FOUND: {
    status: 404,
    title: 'Id tag not found',
    meaning: 'no id tag with that value (case-insensitive)',
  },
  API_ERR_API_KEY_NOT_FOUND: { status: 404, title: 'API key not found', meaning: 'no API key with that id' },
  API_ERR_DEAD_LETTER_NOT_FOUND: {
    status: 404,
    title: 'Dead letter not found',
    meaning: 'no dead letter with that id (never recorded, or already retried or dropped)',
  },
  API_ERR_FILE_NOT_FOUND: {
    status: 404,
    title: 'File not found',
    meaning: 'no station file with that id (or its stored bytes are missing: logged as an error)',
  },
  API_ERR_FIRMWARE_NOT_FOUND: {
    status: 404,
    title: 'Firmware image not found',
    meaning: 'no firmware image with that name (or its stored bytes are missing: logged as an error)',
  },
  API_ERR_FIRMWARE_EXISTS: {
    status: 409,
    title: 'Firmware image exists',
    meaning: 'a firmware image with that name exists; the upload stored nothing (delete the old one first)',
  },
  API_ERR_ORIGINAL_GONE: {
    status: 409,
    title: 'Original message gone',
    meaning: 'retry: the dead letter omitted its large payload and the original has left its stream',
  },
  API_ERR_NO_REPLAY_LANE: {
    status: 409,
    title: 'No replay lane',
    meaning:
      'retry: the consumer that failed the message has no replay lane (unknown, never started, or opted out)',
  },
  API_ERR_ID_TAG_EXISTS: {
    status: 409,
    title: 'Id tag exists',
    meaning: 'an id tag with that value (any case) already exists',
  },
  API_ERR_BODY_TOO_LARGE: {
    status: 413,
    title: 'Body too large',
    meaning:
      'the body exceeds API_BODY_LIMIT_BYTES (a firmware image: API_FIRMWARE_MAX_BYTES); nothing was stored',
  },
  API_ERR_URI_TOO_LONG: {
    status: 414,
    title: 'URI too long',
    meaning:
      'a path parameter is longer than the router accepts (255 characters); refused before any handler',
  },
  API_ERR_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported media type',
    meaning: 'a body that is not application/json (a firmware upload: not application/octet-stream)',
  },
  API_ERR_RATE_LIMITED: {
    status: 429,
    title: 'Too many requests',
    meaning: 'the key (or client address) used up its requests for the window; see Retry-After',
  },
  API_ERR_INTERNAL: {
    status: 500,
    title: 'Internal error',
    meaning: 'a bug; logged with the request id, no details in the answer',
  },
  API_ERR_UNAVAILABLE: {
    status: 503,
    title: 'Service unavailable',
    meaning: 'Postgres or NATS did not answer; retry later',
  },
})

export type ApiErrorCode = keyof typeof ApiErrorCodes

/** One bad field of a validation problem. */
export interface FieldError {
  /** The field: a query or path parameter name, or a body field path such as `scopes.0`. */
  name: string
  reason: string
}

/** An error the API answers with as problem+json; `status` comes from {@link ApiErrorCodes}. */
export class ApiError extends AppError {
  readonly errors: FieldError[] | undefined
  readonly headers: Record<string, string>

  constructor(
    code: ApiErrorCode,
    message: string,
    opts: {
      cause?: unknown
      errors?: FieldError[]
      headers?: Record<string, string>
      retryable?: boolean
    } = {},
  ) {
    super(code, message, {
      status: ApiErrorCodes[code].status,
      cause: opts.cause,
      retryable: opts.retryable ?? false,
    })
    this.errors = opts.errors
    this.headers = opts.headers ?? {}
  }
}

export class ValidationFailed extends ApiError {
  constructor(errors: FieldError[]) {
    super('API_ERR_VALIDATION', errors.map((e) => `${e.name}: ${e.reason}`).join('; '), { errors })
  }
}

export class Unauthenticated extends ApiError {
  constructor(detail: string) {
    super('API_ERR_UNAUTHENTICATED', detail, {
      headers: { 'www-authenticate': 'Bearer realm="chargebus"' },
    })
  }
}

export class Forbidden extends ApiError {
  constructor(scope: string) {
    super('API_ERR_FORBIDDEN', `this API key lacks the ${scope} scope`)
  }
}

export class StationNotFound extends ApiError {
  constructor(stationId: string) {
    super('API_ERR_STATION_NOT_FOUND', `station ${stationId} does not exist`)
  }
}

export class ConnectorNotFound extends ApiError {
  constructor(stationId: string, connectorId: number) {
    super('API_ERR_CONNECTOR_NOT_FOUND', `station ${stationId} has no connector ${connectorId}`)
  }
}

export class SessionNotFound extends ApiError {
  constructor(sessionId: number) {
    super('API_ERR_SESSION_NOT_FOUND', `session ${sessionId} does not exist`)
  }
}

export class IdTagNotFound extends ApiError {
  constructor(idTag: string) {
    super('API_ERR_ID_TAG_NOT_FOUND', `id tag ${idTag} does not exist`)
  }
}

export class IdTagExists extends ApiError {
  constructor(idTag: string) {
    super('API_ERR_ID_TAG_EXISTS', `id tag ${idTag} already exists (id tags compare case-insensitively)`)
  }
}

export class ApiKeyNotFound extends ApiError {
  constructor(id: string) {
    super('API_ERR_API_KEY_NOT_FOUND', `API key ${id} does not exist`)
  }
}

export class DeadLetterNotFound extends ApiError {
  constructor(id: number, cause?: unknown) {
    super(
      'API_ERR_DEAD_LETTER_NOT_FOUND',
      `dead letter ${id} does not exist (never recorded, retried or dropped)`,
      {
        cause,
      },
    )
  }
}

export class FileNotFound extends ApiError {
  constructor(fileId: string) {
    super('API_ERR_FILE_NOT_FOUND', `station file ${fileId} does not exist`)
  }
}

export class FirmwareNotFound extends ApiError {
  constructor(name: string) {
    super('API_ERR_FIRMWARE_NOT_FOUND', `firmware image ${name} does not exist`)
  }
}

export class FirmwareExists extends ApiError {
  constructor(name: string) {
    super('API_ERR_FIRMWARE_EXISTS', `firmware image ${name} exists already; delete it first to replace it`)
  }
}

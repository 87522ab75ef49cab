/**
 * The one base class for operational errors. Anything that is not an AppError is a bug:
 * edges log it and answer with a generic failure, never with its message or stack.
 *
 * ### Examples
 * ```ts
 * export class StationNotFound extends AppError {
 *   constructor(stationId: string) {
 *     super('API_ERR_STATION_NOT_FOUND', `station ${stationId} does not exist`, { status: 404 })
 *   }
 * }
 * ```
 */
export class AppError extends Error {
  readonly code: string
  /** Whether the same work may succeed if tried again later (consumers nak instead of dead-lettering). */
  readonly retryable: boolean
  /** HTTP status an HTTP edge answers with; edges with other protocols map `code` themselves. */
  readonly status: number

  constructor(
    code: string,
    message: string,
    opts: { cause?: unknown; retryable?: boolean; status?: number } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.code = code
    this.retryable = opts.retryable ?? false
    this.status = opts.status ?? 500
  }
}

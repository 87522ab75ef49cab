import { AppError, defineErrorCodes } from '@chargebus/errors'

/** Every error code the aggregator raises. */
export const AggregatorErrorCodes = defineErrorCodes({
  AGGREGATOR_ERR_INVALID_TIME_ZONE: {
    meaning:
      'a configured time zone (network default or station override) is not an IANA zone name this runtime knows: a configuration error, not retried',
  },
  AGGREGATOR_ERR_INVALID_INSTANT: {
    meaning:
      'an instant that is not a finite epoch-millisecond number or an ISO 8601 date-time: bad input, not retried',
  },
})

export type AggregatorErrorCode = keyof typeof AggregatorErrorCodes

/** A time zone name that is not a known IANA zone. Retrying cannot fix configuration. */
export class InvalidTimeZone extends AppError {
  readonly zone: string
  constructor(zone: string) {
    super('AGGREGATOR_ERR_INVALID_TIME_ZONE', `unknown IANA time zone: ${JSON.stringify(zone)}`, {
      retryable: false,
      status: 422,
    })
    this.zone = zone
  }
}

/** An instant the domain cannot place on the time line (NaN, Infinity, an unparsable date-time). */
export class InvalidInstant extends AppError {
  readonly value: unknown
  constructor(value: unknown) {
    super('AGGREGATOR_ERR_INVALID_INSTANT', `not an instant: ${JSON.stringify(value)}`, {
      retryable: false,
      status: 422,
    })
    this.value = value
  }
}

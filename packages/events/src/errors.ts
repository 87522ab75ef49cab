import { AppError, defineErrorCodes } from '@chargebus/errors'

/**
 * Every error code this package throws, with what it means. The README table and the unit test
 * `errors.test.ts` are checked against this map.
 */
export const EventsErrorCodes = defineErrorCodes({
  EVENTS_ERR_INVALID_EVENT: { meaning: 'the data does not match the event schema' },
  EVENTS_ERR_INVALID_SUBJECT_TOKEN: { meaning: 'a subject token cannot be encoded or decoded' },
  EVENTS_ERR_INVALID_SUBJECT_PATTERN: { meaning: 'an event definition declares a malformed subject pattern' },
  EVENTS_ERR_NO_SAMPLE: { meaning: 'no catalog event or example matches what a sample was asked for' },
})

export type EventsErrorCode = keyof typeof EventsErrorCodes

/** One schema violation, with the JSON pointer of the offending value. */
export interface ValidationIssue {
  path: string
  message: string
}

/** The data given for an event does not match its schema. Never retryable: the same data fails again. */
export class InvalidEventError extends AppError {
  readonly event: string
  readonly issues: readonly ValidationIssue[]

  constructor(event: string, issues: readonly ValidationIssue[]) {
    const first = issues[0]
    const summary = first ? `${first.path || '/'} ${first.message}` : 'invalid'
    super('EVENTS_ERR_INVALID_EVENT', `invalid ${event} event: ${summary}`, { status: 400 })
    this.event = event
    this.issues = issues
  }
}

/** A value cannot become (or is not) a canonical NATS subject token. */
export class InvalidSubjectTokenError extends AppError {
  readonly token: string

  constructor(token: string, reason: string) {
    super('EVENTS_ERR_INVALID_SUBJECT_TOKEN', `invalid subject token ${JSON.stringify(token)}: ${reason}`, {
      status: 400,
    })
    this.token = token
  }
}

/** A programming error in the catalog: thrown when a module defines an event. */
export class InvalidSubjectPatternError extends AppError {
  readonly pattern: string

  constructor(pattern: string, reason: string) {
    super(
      'EVENTS_ERR_INVALID_SUBJECT_PATTERN',
      `invalid subject pattern ${JSON.stringify(pattern)}: ${reason}`,
    )
    this.pattern = pattern
  }
}

/** Nothing in the catalog matches a sample request (`sampleEvents`); the message lists what exists. */
export class NoSampleError extends AppError {
  readonly query: string

  constructor(query: string, reason: string) {
    super('EVENTS_ERR_NO_SAMPLE', `no sample for ${JSON.stringify(query)}: ${reason}`, { status: 400 })
    this.query = query
  }
}

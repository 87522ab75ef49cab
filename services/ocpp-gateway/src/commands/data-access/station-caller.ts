import {
  type CpOperation,
  decodeResponse,
  decodeXmlBody,
  encodeRequest,
  fromV16Request,
  OcppError,
  OcppFaultResponseError,
  OcppUnsupportedOperationError,
  type OcppVersion,
  toV16Response,
} from '@chargebus/ocpp'
import { CommandError } from '../domain/command-errors.ts'

/** Where and how to reach a station. */
export interface StationTarget {
  stationId: string
  endpointUrl: string
  ocppVersion: OcppVersion
}

/** A call encoded and ready to send (its MessageID is recorded before it goes out). */
export interface PreparedCall {
  target: StationTarget
  operation: CpOperation<'1.6'>
  messageId: string
  /** The payload in the station's version (what goes on the wire). */
  sentPayload: Record<string, unknown>
  body: string
  contentType: string
}

/**
 * What became of a call: `answered` (1.6 form of the answer), `not-delivered` (certainly never reached the
 * station: safe to try again), `failed` (it may have reached the station: never resent, at-most-once).
 */
export type CallResult =
  | { kind: 'answered'; response: Record<string, unknown> }
  | { kind: 'not-delivered'; error: CommandError }
  | { kind: 'failed'; error: CommandError }

export interface StationCaller {
  /** Converts (1.5) and encodes; throws `CommandError` (UNSUPPORTED, INVALID_PAYLOAD). */
  prepare(
    target: StationTarget,
    operation: CpOperation<'1.6'>,
    payload16: Record<string, unknown>,
  ): PreparedCall
  send(call: PreparedCall): Promise<CallResult>
}

/** Errors that mean no byte of the request reached the station. */
const NOT_DELIVERED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
])

/**
 * Calls stations' ChargePointService with plain `fetch` (undici's pooled keep-alive connections, one pool
 * per origin): every call carries its own headers and body, so concurrent calls to different stations share
 * no state (the `soap` client's global headers/endpoint sent calls to the wrong station). SOAP 1.2,
 * chargeBoxIdentity in the station's CP namespace, WS-Addressing Action/MessageID/To/From (`encodeRequest`),
 * a timeout per call.
 *
 * ### Examples
 * ```ts
 * const caller = createStationCaller({ centralSystemUrl: (v) => `https://cs.example.com/ocpp/${v}`, timeoutMs: 30_000 })
 * const call = caller.prepare({ stationId: 'CP-1', endpointUrl, ocppVersion: '1.6' }, 'Reset', { type: 'Soft' })
 * const result = await caller.send(call) // { kind: 'answered', response: { status: 'Accepted' } }
 * ```
 */
export function createStationCaller(opts: {
  centralSystemUrl: (version: OcppVersion) => string
  timeoutMs: number
  fetch?: typeof fetch
}): StationCaller {
  const doFetch = opts.fetch ?? fetch

  return {
    prepare(target, operation, payload16) {
      let payload: Record<string, unknown> = payload16
      try {
        if (target.ocppVersion === '1.5') payload = fromV16Request(operation, payload16 as never) as never
        const encoded = encodeRequest({
          ocppVersion: target.ocppVersion,
          operation: operation as never,
          payload: payload as never,
          chargeBoxIdentity: target.stationId,
          to: target.endpointUrl,
          from: opts.centralSystemUrl(target.ocppVersion),
        })
        return {
          target,
          operation,
          messageId: encoded.messageId,
          sentPayload: payload,
          body: encoded.body,
          contentType: encoded.contentType,
        }
      } catch (err) {
        if (err instanceof OcppUnsupportedOperationError)
          throw new CommandError('COMMAND_ERR_UNSUPPORTED', err.message, { cause: err })
        if (err instanceof OcppError)
          throw new CommandError('COMMAND_ERR_INVALID_PAYLOAD', err.message, { cause: err })
        throw err
      }
    },

    async send(call) {
      const { target } = call
      let status: number
      let bytes: Uint8Array
      let contentType: string | undefined
      try {
        const res = await doFetch(target.endpointUrl, {
          method: 'POST',
          headers: { 'content-type': call.contentType, accept: 'application/soap+xml, text/xml' },
          body: call.body,
          signal: AbortSignal.timeout(opts.timeoutMs),
        })
        status = res.status
        contentType = res.headers.get('content-type') ?? undefined
        bytes = new Uint8Array(await res.arrayBuffer())
      } catch (err) {
        return transportFailure(err, opts.timeoutMs)
      }
      let text: string
      try {
        text = decodeXmlBody(bytes, contentType)
      } catch (err) {
        return badResponse(status, err)
      }
      const looksLikeSoap = /<(?:[\w.-]+:)?Envelope[\s>]/.test(text)
      if (!looksLikeSoap) {
        const error = new CommandError(
          status === 502 || status === 503 ? 'COMMAND_ERR_UNREACHABLE' : 'COMMAND_ERR_BAD_RESPONSE',
          `HTTP ${status} without a SOAP answer`,
        )
        // A proxy in front of the station answering 502/503 never forwarded the call.
        return status === 502 || status === 503 ? { kind: 'not-delivered', error } : { kind: 'failed', error }
      }
      try {
        const decoded = decodeResponse(text, {
          ocppVersion: target.ocppVersion,
          operation: call.operation as never,
          messageId: call.messageId,
        })
        const payload = decoded.payload as Record<string, unknown>
        const response =
          target.ocppVersion === '1.5'
            ? (toV16Response(call.operation as never, payload as never) as never)
            : payload
        return { kind: 'answered', response }
      } catch (err) {
        if (err instanceof OcppFaultResponseError)
          return { kind: 'failed', error: new CommandError('COMMAND_ERR_FAULT', err.message, { cause: err }) }
        return badResponse(status, err)
      }
    },
  }
}

/** The station answered, but not with a readable answer to this call. */
function badResponse(status: number, err: unknown): CallResult {
  const message = err instanceof Error ? err.message : String(err)
  return {
    kind: 'failed',
    error: new CommandError('COMMAND_ERR_BAD_RESPONSE', `HTTP ${status}: ${message}`, { cause: err }),
  }
}

function transportFailure(err: unknown, timeoutMs: number): CallResult {
  const name = (err as { name?: string })?.name
  if (name === 'TimeoutError' || name === 'AbortError') {
    return {
      kind: 'failed',
      error: new CommandError('COMMAND_ERR_TIMEOUT', `no answer within ${timeoutMs} ms`, { cause: err }),
    }
  }
  const code = errorCode(err)
  if (code !== undefined && NOT_DELIVERED.has(code)) {
    return {
      kind: 'not-delivered',
      error: new CommandError('COMMAND_ERR_UNREACHABLE', `station unreachable (${code})`, {
        cause: err,
        retryable: true,
      }),
    }
  }
  return {
    kind: 'failed',
    error: new CommandError(
      'COMMAND_ERR_CONNECTION_LOST',
      `connection failed after sending (${code ?? (err instanceof Error ? err.message : String(err))})`,
      { cause: err },
    ),
  }
}

/** The system error code behind a fetch failure (`TypeError: fetch failed` wraps it in `cause`). */
function errorCode(err: unknown): string | undefined {
  let e: unknown = err
  for (let depth = 0; depth < 4 && e !== undefined && e !== null; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
    const nested = (e as { errors?: unknown[] }).errors
    if (Array.isArray(nested) && nested.length > 0) {
      e = nested[0]
      continue
    }
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

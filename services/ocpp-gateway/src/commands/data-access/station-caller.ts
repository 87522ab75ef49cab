import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { isIP } from 'node:net'
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
import { Agent, type Dispatcher, request } from 'undici'
import type { AddressPolicy } from '../domain/address-policy.ts'
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

/** Our code for an address the policy refuses, raised by the pinned lookup before any connection. */
const ADDRESS_REFUSED = 'ECHARGEBUS_ADDRESS_REFUSED'

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
 * Calls stations' ChargePointService over undici (pooled keep-alive connections per origin): every call
 * carries its own headers and body, so concurrent calls to different stations share no state (the `soap`
 * client's global headers/endpoint sent calls to the wrong station). SOAP 1.2, chargeBoxIdentity in the
 * station's CP namespace, WS-Addressing Action/MessageID/To/From (`encodeRequest`).
 *
 * A station chose the address, so the call is fenced: http(s) only; the host's addresses are resolved and
 * checked against `policy` (no loopback, private, link-local or metadata address unless allowed) and the
 * connection goes to the checked address (no second lookup an attacker's DNS could answer differently); no
 * redirect is followed; the answer is read up to `maxResponseBytes` within `timeoutMs`. Errors say what
 * happened (refused, timed out) without the addresses involved.
 *
 * ### Examples
 * ```ts
 * const caller = createStationCaller({ centralSystemUrl: (v) => `https://cs.example.com/ocpp/${v}`, timeoutMs: 30_000, policy, maxResponseBytes: 1 << 20 })
 * const call = caller.prepare({ stationId: 'CP-1', endpointUrl, ocppVersion: '1.6' }, 'Reset', { type: 'Soft' })
 * const result = await caller.send(call) // { kind: 'answered', response: { status: 'Accepted' } }
 * ```
 */
export function createStationCaller(opts: {
  centralSystemUrl: (version: OcppVersion) => string
  timeoutMs: number
  policy: AddressPolicy
  maxResponseBytes: number
}): StationCaller & { close(): Promise<void> } {
  const agent = new Agent({ connect: { lookup: pinnedLookup(opts.policy) } })

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
      const refused = refusedTarget(target.endpointUrl, opts.policy)
      if (refused !== undefined) return { kind: 'not-delivered', error: refused }
      let status: number
      let bytes: Uint8Array
      let contentType: string | undefined
      try {
        const res = await request(target.endpointUrl, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': call.contentType, accept: 'application/soap+xml, text/xml' },
          body: call.body,
          signal: AbortSignal.timeout(opts.timeoutMs),
        })
        status = res.statusCode
        const header = res.headers['content-type']
        contentType = Array.isArray(header) ? header[0] : header
        if (status >= 300 && status < 400) {
          res.body.destroy()
          return {
            kind: 'failed',
            error: new CommandError('COMMAND_ERR_BAD_RESPONSE', `HTTP ${status}: redirects are not followed`),
          }
        }
        const read = await readUpTo(res.body, opts.maxResponseBytes)
        if (read === undefined)
          return {
            kind: 'failed',
            error: new CommandError(
              'COMMAND_ERR_BAD_RESPONSE',
              `HTTP ${status}: the answer is larger than ${opts.maxResponseBytes} bytes`,
            ),
          }
        bytes = read
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

    close: () => agent.close(),
  }
}

/** The refusal of an address that is not http(s), or an IP literal the policy refuses; else undefined. */
function refusedTarget(endpointUrl: string, policy: AddressPolicy): CommandError | undefined {
  let url: URL
  try {
    url = new URL(endpointUrl)
  } catch {
    return addressRefused("the station's address is not a URL")
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return addressRefused(`the station's address is not http or https (${url.protocol})`)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (isIP(host) !== 0 && !policy.mayCall(host)) return addressRefused(NOT_CALLABLE)
  return undefined
}

const NOT_CALLABLE =
  "the station's address is not a public one (loopback, private, link-local or metadata) and OCPP_CALLBACK_ALLOWED_NETWORKS does not allow it"

function addressRefused(message: string): CommandError {
  return new CommandError('COMMAND_ERR_ADDRESS_REFUSED', message)
}

/**
 * `net.connect`'s lookup: resolves the host and hands the connection only addresses the policy allows (the
 * connection then goes to one of those, not to a second resolution).
 */
function pinnedLookup(policy: AddressPolicy) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(
      hostname,
      { all: true, family: options.family === undefined ? 0 : Number(options.family) || 0 },
      (err, addresses) => {
        if (err) return callback(err, [])
        const allowed = addresses.filter((a) => policy.mayCall(a.address))
        const first = allowed[0]
        if (first === undefined) {
          const refused: NodeJS.ErrnoException = new Error(NOT_CALLABLE)
          refused.code = ADDRESS_REFUSED
          return callback(refused, [])
        }
        if (options.all) callback(null, allowed)
        else callback(null, first.address, first.family)
      },
    )
  }
}

/** The body, or undefined once it passes `max` bytes (then the rest is discarded). */
async function readUpTo(body: Dispatcher.ResponseData['body'], max: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += (chunk as Buffer).length
    if (size > max) {
      body.destroy()
      return undefined
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
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
  if (code === ADDRESS_REFUSED) return { kind: 'not-delivered', error: addressRefused(NOT_CALLABLE) }
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
      // The code only: a message could name internal addresses, and command errors are readable with `read`.
      `connection failed after sending (${code ?? (err instanceof Error ? err.name : 'unknown')})`,
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

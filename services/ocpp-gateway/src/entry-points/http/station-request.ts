import type { StationMessage } from '@chargebus/events'
import {
  type CsOperation,
  type DecodedCsRequest,
  decodeRequest,
  encodeFault,
  encodeResponse,
  faultForError,
  fromV16Response,
  OcppError,
  type OcppVersion,
  type SoapVersion,
  toV16Request,
} from '@chargebus/ocpp'
import type { Clock } from '@chargebus/platform'
import {
  type FirstBootRecorder,
  type IdTagRecord,
  idTagKey,
  kvKey,
  type StationRecord,
  verifyPassword,
} from '@chargebus/station-registry'
import type { Logger } from 'pino'
import type { Counter } from 'prom-client'
import type { GatewayConfig } from '../../config.ts'
import type { KvMirror } from '../../data-access/kv-mirror.ts'
import type { StationJournal } from '../../data-access/station-journal.ts'
import type { TransactionIdPool } from '../../data-access/transaction-id-pool.ts'
import {
  answerStationMessage,
  idTagOf,
  mayAnswer,
  type RegistrationPolicy,
  registrationStatusOf,
  type StationRequest16,
} from '../../domain/answer-station-message.ts'
import { parseBasicAuth } from '../../domain/basic-auth.ts'
import {
  GatewayError,
  IdentityTooLong,
  StationNotAccepted,
  StationUnauthorized,
  TransactionIdsExhausted,
} from '../../domain/errors.ts'
import { callbackAddressOf, dedupeKeyOf, quirkFlag } from '../../domain/journal-entry.ts'

/** What the HTTP layer sends back. */
export interface SoapReply {
  status: number
  contentType: string
  body: string
  /** Extra response headers (WWW-Authenticate). */
  headers?: Record<string, string>
}

export interface StationRequestDeps {
  config: Pick<
    GatewayConfig,
    | 'OCPP_REGISTRATION'
    | 'OCPP_UNKNOWN_STATION_STATUS'
    | 'OCPP_HEARTBEAT_INTERVAL_S'
    | 'OCPP_BOOT_RETRY_INTERVAL_S'
    | 'OCPP_AUTHORIZE_UNKNOWN'
    | 'OCPP_DATA_TRANSFER_VENDOR_IDS'
    | 'OCPP_REQUIRE_BASIC_AUTH'
  >
  stations: KvMirror<StationRecord>
  idTags: KvMirror<IdTagRecord>
  firstBoots: FirstBootRecorder
  transactionIds: TransactionIdPool
  journal: StationJournal
  logger: Logger
  /** Counts answered requests and faults (`ocpp_gateway_requests_total`). */
  requests: Counter<'version' | 'action' | 'outcome'>
  /** Counts the quirk flags of answered requests (`ocpp_gateway_quirks_total`). */
  quirks: Counter<'quirk'>
  clock: Clock
  /** Called once a station's message is stored (the command dispatcher: "the station is back"). */
  onStationMessage?: (message: StationMessage) => void
}

export const WWW_AUTHENTICATE = 'Basic realm="OCPP", charset="UTF-8"'
const AUTH_CACHE_MAX = 10_000

/** SOAP version to answer in before the envelope is read: SOAP 1.1 travels as text/xml. */
export function soapVersionOfContentType(contentType: string | undefined): SoapVersion {
  return contentType?.trimStart().toLowerCase().startsWith('text/xml') ? '1.1' : '1.2'
}

/**
 * The use case of the SOAP edge, free of Fastify: decode -> authenticate -> registration -> in-memory lookups
 * -> answer (pure domain) -> journal (durable before answered) -> encode. Every failure becomes a SOAP fault.
 */
export function createStationRequestHandler(deps: StationRequestDeps) {
  const { config, stations, idTags, firstBoots, transactionIds, journal, logger, requests } = deps
  const { clock } = deps
  // The ISO time of the current millisecond, formatted once per millisecond (many requests share one).
  let lastMs = Number.NaN
  let lastIso = ''
  function nowIso(): string {
    const now = clock()
    const ms = now.getTime()
    if (ms !== lastMs) {
      lastIso = now.toISOString()
      lastMs = ms
    }
    return lastIso
  }
  const policy: RegistrationPolicy = {
    mode: config.OCPP_REGISTRATION,
    unknownStationStatus: config.OCPP_UNKNOWN_STATION_STATUS,
  }
  const knownVendorIds: ReadonlySet<string> = new Set(
    (config.OCPP_DATA_TRANSFER_VENDOR_IDS ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  )
  // Verifying a scrypt hash costs ~50 ms: remember the verdict per (station, Authorization header).
  const authVerdicts = new Map<string, boolean>()
  stations.onChange(() => authVerdicts.clear())

  function authenticate(
    header: string | undefined,
    stationId: string,
    record: StationRecord | undefined,
  ): void {
    const password = record?.password
    if (password === undefined && !config.OCPP_REQUIRE_BASIC_AUTH) return
    if (header === undefined) throw new StationUnauthorized(stationId, 'HTTP Basic credentials required')
    const cacheKey = `${stationId}\n${header}`
    let ok = authVerdicts.get(cacheKey)
    if (ok === undefined) {
      const given = parseBasicAuth(header)
      ok = false
      if (given !== undefined && given.user === stationId && password !== undefined) {
        ok = verifyPassword(password, given.password)
      }
      if (authVerdicts.size >= AUTH_CACHE_MAX) authVerdicts.clear()
      authVerdicts.set(cacheKey, ok)
    }
    if (!ok) throw new StationUnauthorized(stationId, 'wrong HTTP Basic credentials')
  }

  function count(version: string, action: string, outcome: string): void {
    requests.inc({ version, action, outcome })
  }

  async function answer(
    req: DecodedCsRequest,
    xml: string,
    authorization: string | undefined,
  ): Promise<SoapReply> {
    const stationId = req.chargeBoxIdentity
    if (stationId.length > 255) throw new IdentityTooLong(stationId.length)
    const record = stations.get(kvKey(stationId))
    authenticate(authorization, stationId, record)

    const operation = req.operation as CsOperation<'1.6'>
    const payload16 =
      req.ocppVersion === '1.5' ? toV16Request(req.operation, req.payload as never) : (req.payload as unknown)
    const request16 = { operation, payload: payload16 } as StationRequest16
    const registration = registrationStatusOf(record?.registrationStatus, policy)
    if (!mayAnswer(operation, registration)) throw new StationNotAccepted(stationId, registration)

    const tag = idTagOf(request16)
    const idTag = tag === undefined ? undefined : idTags.get(idTagKey(tag))
    let transactionId: number | undefined
    if (operation === 'StartTransaction') {
      transactionId = await transactionIds.next()
      if (transactionId === undefined) throw new TransactionIdsExhausted()
    }
    const now = nowIso()
    const answered = answerStationMessage(request16, {
      now,
      registration,
      heartbeatIntervalS: config.OCPP_HEARTBEAT_INTERVAL_S,
      bootRetryIntervalS: config.OCPP_BOOT_RETRY_INTERVAL_S,
      idTag,
      authorizeUnknown: config.OCPP_AUTHORIZE_UNKNOWN,
      transactionId,
      knownVendorIds,
    })

    const key = dedupeKeyOf(stationId, req.addressing.messageId, xml)
    const quirks = req.quirks.map(quirkFlag)
    for (const f of answered.flags) quirks.push(f)
    if (key.hashed) quirks.push('no-message-id')
    if (record === undefined && registration !== 'Accepted') quirks.push('unknown-station')
    const message: StationMessage = {
      stationId,
      ocppVersion: req.ocppVersion,
      action: operation,
      messageId: key.messageId,
      receivedAt: now,
      payload: req.payload as Record<string, unknown>,
      response: answered.response as Record<string, unknown>,
      quirks,
    }
    const from = callbackAddressOf(req.addressing)
    if (from !== undefined) message.from = from
    if (req.ocppVersion === '1.5') message.normalizedPayload = payload16 as Record<string, unknown>

    const receipt = await journal.record(message, key.msgId)
    deps.onStationMessage?.(message)
    // A retry is answered as the first time; Heartbeat's only content is the time, which must be now.
    const response16 =
      receipt.duplicate && operation !== 'Heartbeat' && receipt.response !== undefined
        ? receipt.response
        : answered.response
    if (operation === 'BootNotification' && record === undefined && !receipt.duplicate)
      firstBoots.recordFirstBoot(stationId, registration, now)

    const encoded = encodeResponse({
      soapVersion: req.soapVersion,
      ocppVersion: req.ocppVersion,
      operation: req.operation,
      payload: (req.ocppVersion === '1.5'
        ? fromV16Response(req.operation, response16 as never)
        : response16) as never,
      relatesTo: req.addressing.messageId,
    })
    count(req.ocppVersion, operation, receipt.duplicate ? 'duplicate' : 'answered')
    if (!receipt.duplicate) for (const quirk of message.quirks) deps.quirks.inc({ quirk })
    return { status: 200, contentType: encoded.contentType, body: encoded.body }
  }

  /**
   * Answers one SOAP request body. `expectedVersion` is the endpoint's (`/ocpp/1.6`), undefined for `/ocpp`.
   * Never throws.
   */
  async function handle(
    xml: string,
    http: {
      contentType: string | undefined
      authorization: string | undefined
      expectedVersion?: OcppVersion
    },
  ): Promise<SoapReply> {
    let req: DecodedCsRequest | undefined
    try {
      req = decodeRequest(
        xml,
        http.expectedVersion === undefined ? {} : { expectedVersion: http.expectedVersion },
      )
      return await answer(req, xml, http.authorization)
    } catch (err) {
      count(req?.ocppVersion ?? 'unknown', req?.operation ?? 'unknown', 'fault')
      return faultReply(
        err,
        req?.soapVersion ?? soapVersionOfContentType(http.contentType),
        req?.addressing.messageId,
        logger,
        {
          station: req?.chargeBoxIdentity,
          action: req?.operation,
        },
      )
    }
  }

  return { handle }
}

/**
 * A SOAP fault for any error: ours (`GatewayError`) and the codec's (`OcppError`) name what is wrong; anything
 * else is a bug, logged here and answered as a bare Receiver/InternalError.
 */
export function faultReply(
  err: unknown,
  soapVersion: SoapVersion,
  relatesTo: string | undefined,
  logger: Logger,
  context: Record<string, unknown> = {},
): SoapReply {
  let fault: ReturnType<typeof faultForError>
  let status: number | undefined
  if (err instanceof GatewayError) {
    fault = { code: err.fault.code, subcode: err.fault.subcode, reason: err.message }
    status = err.status
    if (err.fault.code === 'Receiver') logger.warn({ err, ...context }, 'station request failed')
    else logger.debug({ err, ...context }, 'station request refused')
  } else {
    if (err instanceof OcppError) logger.debug({ err, ...context }, 'station request refused')
    else logger.error({ err, ...context }, 'station request failed (bug)')
    fault = faultForError(err)
  }
  const encoded = encodeFault({ soapVersion, relatesTo, ...fault })
  const reply: SoapReply = {
    status: status ?? encoded.httpStatus,
    contentType: encoded.contentType,
    body: encoded.body,
  }
  if (status === 401) reply.headers = { 'www-authenticate': WWW_AUTHENTICATE }
  return reply
}

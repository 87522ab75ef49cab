import type { StationMessage } from '@chargebus/events'
import {
  type DecodedCsRequest,
  decodeRequest,
  encodeResponse,
  OcppError,
  type OcppVersion,
} from '@chargebus/ocpp'
import { type Clock, createFailureThrottle } from '@chargebus/platform'
import type { PasswordChecks } from '@chargebus/station-registry'
import {
  type FirstBootRecorder,
  type IdTagRecord,
  idTagKey,
  kvKey,
  type StationRecord,
} from '@chargebus/station-registry'
import type { Logger } from 'pino'
import type { Counter, Histogram } from 'prom-client'
import type { GatewayConfig } from '../../config.ts'
import type { FaultJournal } from '../../data-access/fault-journal.ts'
import type { KvMirror } from '../../data-access/kv-mirror.ts'
import type { StationJournal } from '../../data-access/station-journal.ts'
import type { TransactionIdPool } from '../../data-access/transaction-id-pool.ts'
import {
  answerStationMessage,
  idTagOf,
  mayAnswer,
  type RegistrationPolicy,
  registrationStatusOf,
} from '../../domain/answer-station-message.ts'
import {
  CachesNotReady,
  GatewayError,
  IdentityTooLong,
  StationNotAccepted,
  StationUnauthorized,
} from '../../domain/errors.ts'
import { type FaultedRequestHead, faultEntryOf } from '../../domain/fault-entry.ts'
import { dedupeKeyOf, journalEntryOf } from '../../domain/journal-entry.ts'
import { responseInStationVersion, toRequest16 } from '../../domain/version-conversion.ts'
import type { EdgeSettings } from '../../edge-settings.ts'
import { describeFault, faultReply, type SoapReply, soapVersionOfContentType } from './soap-faults.ts'
import { annotateSoapSpan, markSoapFault } from './soap-span.ts'
import { createStationAuthenticator } from './station-authentication.ts'

export interface StationRequestDeps {
  config: Pick<
    GatewayConfig,
    | 'OCPP_REGISTRATION'
    | 'OCPP_UNKNOWN_STATION_STATUS'
    | 'OCPP_HEARTBEAT_INTERVAL_S'
    | 'OCPP_BOOT_RETRY_INTERVAL_S'
    | 'OCPP_AUTHORIZE_UNKNOWN'
    | 'OCPP_DATA_TRANSFER_VENDOR_IDS'
    | 'OCPP_AUTH_CONCURRENCY'
    | 'OCPP_AUTH_QUEUE_MAX'
    | 'OCPP_AUTH_FAILURES_PER_ADDRESS'
    | 'OCPP_AUTH_FAILURES_PER_STATION'
    | 'OCPP_AUTH_FAILURE_WINDOW_S'
    | 'OCPP_UNKNOWN_STATIONS_MAX'
  >
  edge: Pick<EdgeSettings, 'requireBasicAuth'>
  passwordChecks: Pick<PasswordChecks, 'verify'>
  stations: KvMirror<StationRecord>
  idTags: KvMirror<IdTagRecord>
  firstBoots: FirstBootRecorder
  transactionIds: TransactionIdPool
  journal: StationJournal
  /** Faults answered to authenticated stations, journaled best effort. */
  faults: FaultJournal
  logger: Logger
  /** Counts answered requests and faults (`ocpp_gateway_requests_total`). */
  requests: Counter<'version' | 'action' | 'outcome'>
  /** Time from the body read to the reply, by the same labels (`ocpp_gateway_request_duration_seconds`). */
  durations: Histogram<'version' | 'action' | 'outcome'>
  /** Counts the quirk flags of answered requests (`ocpp_gateway_quirks_total`). */
  quirks: Counter<'quirk'>
  /** Counts station authentication outcomes (`ocpp_gateway_station_auth_total`). */
  auth: Counter<'outcome'>
  clock: Clock
  /** Called once a station's message is stored (the command dispatcher: "the station is back"). */
  onStationMessage?: (message: StationMessage) => void
}

/**
 * The use case of the SOAP edge, free of Fastify: decode -> authenticate -> registration -> look up the
 * caches -> answer (pure domain) -> journal (durable before answered) -> encode. Every failure becomes a SOAP
 * fault (`soap-faults.ts`). The hot path: no Postgres or KV round trip, one await (the PubAck; a
 * StartTransaction may also wait for a transaction id block).
 *
 * ### Examples
 * ```ts
 * const { handle } = createStationRequestHandler({ ...deps, requests, quirks })
 * await handle(xml, { contentType: 'application/soap+xml', authorization: undefined, expectedVersion: '1.6' })
 * // { status: 200, contentType: 'application/soap+xml; …', body: '<…HeartbeatResponse…>' }
 * ```
 */
export function createStationRequestHandler(deps: StationRequestDeps) {
  const { config, stations, idTags, firstBoots, transactionIds, journal, logger, requests } = deps
  const nowIso = isoClock(deps.clock)
  const failureWindowMs = config.OCPP_AUTH_FAILURE_WINDOW_S * 1000
  const { screen, authenticate, vouches } = createStationAuthenticator({
    stations,
    requireBasicAuth: deps.edge.requireBasicAuth,
    verify: deps.passwordChecks.verify,
    concurrency: config.OCPP_AUTH_CONCURRENCY,
    queueMax: config.OCPP_AUTH_QUEUE_MAX,
    byAddress: createFailureThrottle({
      maxFailures: config.OCPP_AUTH_FAILURES_PER_ADDRESS,
      windowMs: failureWindowMs,
    }),
    byStation: createFailureThrottle({
      maxFailures: config.OCPP_AUTH_FAILURES_PER_STATION,
      windowMs: failureWindowMs,
    }),
    count: (outcome) => deps.auth.inc({ outcome }),
  })
  const unknownStations = countUnknownStations(stations)
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

  function count(version: string, action: string, outcome: string, startedMs: number): void {
    requests.inc({ version, action, outcome })
    deps.durations.observe({ version, action, outcome }, (performance.now() - startedMs) / 1000)
  }

  async function answer(
    req: DecodedCsRequest,
    xml: string,
    authorization: string | undefined,
    remoteAddress: string,
    progress: { authenticated: boolean },
    startedMs: number,
  ): Promise<SoapReply> {
    // Nothing is answered from half-loaded caches: a station not loaded yet would look password-less.
    if (!stations.synced || !idTags.synced) throw new CachesNotReady()

    // Authenticate: the station is who its credentials say.
    const stationId = req.chargeBoxIdentity
    if (stationId.length > 255) throw new IdentityTooLong(stationId.length)
    const record = stations.get(kvKey(stationId))
    const checking = authenticate(authorization, stationId, record, remoteAddress)
    if (checking !== undefined) await checking
    progress.authenticated = record !== undefined

    // Registration: a station that is not Accepted may only boot.
    const request16 = toRequest16(req)
    const { operation } = request16
    const registration = registrationStatusOf(record?.registrationStatus, policy)
    if (!mayAnswer(operation, registration)) throw new StationNotAccepted(stationId, registration)

    // Look up the caches: the id tag from memory, a transaction id from the reserve.
    const tag = idTagOf(request16)
    const idTag = tag === undefined ? undefined : idTagRecordOf(idTags, idTagKey(tag))
    const transactionId = operation === 'StartTransaction' ? await transactionIds.reserve() : undefined

    // Answer: pure, written once against 1.6.
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

    // Journal: stored durably before the station is answered; a retry is answered as the first time, except
    // Heartbeat, whose only content is the time, which must be now.
    const key = dedupeKeyOf(stationId, req.addressing.messageId, xml)
    const unknownStation = record === undefined && registration !== 'Accepted'
    // A callback address counts only from a station that passed authentication and is Accepted.
    const message = journalEntryOf(req, request16, answered, key, now, {
      unknownStation,
      callbackTrusted: registration === 'Accepted',
    })
    const receipt = await journal.record(message, key.msgId)
    deps.onStationMessage?.(message)
    const response16 =
      receipt.duplicate && operation !== 'Heartbeat' && receipt.response !== undefined
        ? receipt.response
        : answered.response
    if (operation === 'BootNotification' && record === undefined && !receipt.duplicate) {
      // Unauthenticated traffic creates bounded state: past the cap, unknown stations are answered, not recorded.
      if (unknownStations() < config.OCPP_UNKNOWN_STATIONS_MAX)
        firstBoots.recordFirstBoot(stationId, registration, now)
      else
        logger.debug(
          { station: stationId },
          'unknown station not recorded: OCPP_UNKNOWN_STATIONS_MAX reached',
        )
    }

    // Encode, in the station's version, as a reply to its MessageID.
    const encoded = encodeResponse({
      soapVersion: req.soapVersion,
      ocppVersion: req.ocppVersion,
      operation: req.operation,
      payload: responseInStationVersion(req, response16) as never,
      relatesTo: req.addressing.messageId,
    })
    count(req.ocppVersion, operation, receipt.duplicate ? 'duplicate' : 'answered', startedMs)
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
      remoteAddress: string
      expectedVersion?: OcppVersion
    },
  ): Promise<SoapReply> {
    const startedMs = performance.now()
    let req: DecodedCsRequest | undefined
    const progress = { authenticated: false }
    try {
      // What can never pass is refused before the XML is parsed: a flood of bad credentials costs little.
      screen(http.authorization, http.remoteAddress)
      req = decodeRequest(
        xml,
        http.expectedVersion === undefined ? {} : { expectedVersion: http.expectedVersion },
      )
      annotateSoapSpan(req)
      return await answer(req, xml, http.authorization, http.remoteAddress, progress, startedMs)
    } catch (err) {
      markSoapFault(err, req)
      count(req?.ocppVersion ?? 'unknown', req?.operation ?? 'unknown', 'fault', startedMs)
      journalFault(err, req, xml, http.authorization, progress.authenticated)
      // A refusal of credentials looks the same whether it came before the body was read or after (no RelatesTo).
      const relatesTo = err instanceof StationUnauthorized ? undefined : req?.addressing.messageId
      return faultReply(
        err,
        req?.soapVersion ?? soapVersionOfContentType(http.contentType),
        relatesTo,
        logger,
        {
          station: req?.chargeBoxIdentity,
          action: req?.operation,
        },
      )
    }
  }

  /**
   * Journals the fault of a known station that passed authentication, or whose request could not be decoded
   * far enough to authenticate but whose credentials are remembered as right. Never for anyone else
   * (unauthenticated traffic creates bounded state), never for load shedding (busy, not ready).
   */
  function journalFault(
    err: unknown,
    req: DecodedCsRequest | undefined,
    xml: string,
    authorization: string | undefined,
    authenticated: boolean,
  ): void {
    if (err instanceof GatewayError && err.shedding) return
    const head: FaultedRequestHead | undefined =
      req === undefined
        ? err instanceof OcppError
          ? err.request
          : undefined
        : {
            ocppVersion: req.ocppVersion,
            operation: req.operation,
            chargeBoxIdentity: req.chargeBoxIdentity,
            messageId: req.addressing.messageId,
          }
    if (head === undefined) return
    if (!authenticated) {
      const record = stations.get(kvKey(head.chargeBoxIdentity))
      if (
        req !== undefined ||
        record === undefined ||
        !vouches(authorization, head.chargeBoxIdentity, record)
      )
        return
    }
    const { fault, errorCode } = describeFault(err)
    deps.faults.record(faultEntryOf(head, fault, errorCode, nowIso(), xml))
  }

  return { handle }
}

/** An id tag's record; one whose KV record is unreadable is Invalid, never "unknown" (which may be accepted). */
function idTagRecordOf(idTags: KvMirror<IdTagRecord>, key: string): IdTagRecord | undefined {
  if (idTags.isUnreadable(key)) return { status: 'Invalid' }
  return idTags.get(key)
}

/** How many records the gateway itself wrote for stations it did not know, kept current by the mirror. */
function countUnknownStations(stations: KvMirror<StationRecord>): () => number {
  const mine = new Set<string>()
  for (const [key, value] of stations.entries()) if (value.source === 'gateway') mine.add(key)
  stations.onChange((key, value) => {
    if (value?.source === 'gateway') mine.add(key)
    else mine.delete(key)
  })
  return () => mine.size
}

/** The ISO time of the current millisecond, formatted once per millisecond (many requests share one). */
function isoClock(clock: Clock): () => string {
  let lastMs = Number.NaN
  let lastIso = ''
  return () => {
    const now = clock()
    const ms = now.getTime()
    if (ms !== lastMs) {
      lastIso = now.toISOString()
      lastMs = ms
    }
    return lastIso
  }
}

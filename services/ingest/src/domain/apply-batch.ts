import type {
  ChargingTransaction,
  Connector,
  ConnectorStatus,
  RegistrationStatus,
  Station,
} from '@chargebus/db'
import {
  type AnyEventDefinition,
  ConnectorStatusChanged,
  type EventData,
  MeterRegisterDecreased,
  SessionCompleted,
  SessionStarted,
  StationClockSkewed,
  StationOnline,
  StationRegistered,
} from '@chargebus/events'
import { InvalidStationMessage } from './errors.ts'
import { isImportRegister, type SampleRow, sampleRows } from './meter-values.ts'
import type { TypedStationMessage, TypedStationMessageOf } from './typed-station-message.ts'

/*
 * The pure heart of ingest: a batch of station messages plus the current rows they touch (loaded and locked
 * in the batch's transaction) -> the rows to write and the domain events to publish. No I/O, no clock.
 *
 * Convergence rules (delivery twice, replay from the start, any order give the same rows):
 * - append-only rows (status_events, meter_values, station_messages, unmatched_stops) are keyed by the source
 *   message and inserted with ON CONFLICT DO NOTHING;
 * - current-state columns only move forward in time: last_seen_at is a max, first_seen_at a min, a boot,
 *   a connector status, a clock-skew or firmware measurement replaces the stored one only when newer;
 * - a transaction's start and stop fill their own columns, whichever arrives first; a second start or stop
 *   for the same id changes nothing.
 * Events are emitted only for a change that happened here, so a replay emits none.
 */

/** A domain event to publish after commit; `msgId` derives from the source message (republishing dedupes). */
export interface DomainEvent<E extends AnyEventDefinition = AnyEventDefinition> {
  readonly event: E
  readonly data: EventData<E>
  readonly msgId: string
}

function domainEvent<E extends AnyEventDefinition>(event: E, data: EventData<E>, msgId: string): DomainEvent {
  return { event, data, msgId: `${event.name}:${msgId}` }
}

/** The stored rows a batch touches. Stations and transactions of the batch always exist (ensured first). */
export interface BatchState {
  readonly stations: ReadonlyMap<string, Station>
  /** Key: `connectorKey(station, connector)`. Connectors with a StatusNotification in the batch always exist. */
  readonly connectors: ReadonlyMap<string, Connector>
  readonly transactions: ReadonlyMap<number, ChargingTransaction>
}

export interface IngestRules {
  /** Beyond this |station timestamp - receivedAt| (StatusNotification), the station's clock is skewed. */
  readonly clockSkewThresholdMs: number
}

export type StatusEventRow = {
  station_id: string
  connector_id: number
  status: string
  error_code: string
  info: string | null
  vendor_id: string | null
  vendor_error_code: string | null
  status_at: string
  station_timestamp: boolean
  received_at: string
  source_message_id: string
}

export type StationMessageRow = {
  station_id: string
  source_message_id: string
  action: string
  received_at: string
  vendor_id: string | null
  data_message_id: string | null
  data: string | null
  status: string | null
  payload: string
  response: string | null
}

export type UnmatchedStopRow = {
  station_id: string
  source_message_id: string
  transaction_id: number
  id_tag: string | null
  meter_stop: number
  stopped_at: string
  stop_reason: string | null
  received_at: string
}

/** The writable columns of a transaction (the generated ones are left out). */
export type TransactionRow = Omit<ChargingTransaction, 'energy_wh' | 'duration_s' | 'state' | 'updated_at'>

export interface BatchChanges {
  /** Changed stations, whole rows. */
  stations: Station[]
  /** Changed connectors, whole rows. */
  connectors: Connector[]
  transactions: TransactionRow[]
  statusEvents: StatusEventRow[]
  meterValues: SampleRow[]
  stationMessages: StationMessageRow[]
  unmatchedStops: UnmatchedStopRow[]
  events: DomainEvent[]
}

/** Placeholder status time of a connector row created just to lock it; any real status is newer. */
export const PLACEHOLDER_STATUS_AT = new Date('0001-01-01T00:00:00.000Z')

export function connectorKey(stationId: string, connectorId: number): string {
  return `${stationId}\u0000${connectorId}`
}

/** What a batch needs loaded (and locked) before `applyBatch`: ids sorted so concurrent batches lock in one order. */
export interface BatchNeeds {
  stationIds: string[]
  /** Connectors with a StatusNotification: created as placeholders when missing. */
  statusConnectors: Array<{ stationId: string; connectorId: number }>
  /** Every connector the batch reads (status and meter register). */
  connectors: Array<{ stationId: string; connectorId: number }>
  /** Transactions started or stopped in the batch (ids > 0), created as placeholders when missing. */
  transactions: Array<{ id: number; stationId: string }>
}

/** Drops repeated messages (same station and messageId: a redelivery inside one batch). */
export function dedupeMessages(messages: readonly TypedStationMessage[]): TypedStationMessage[] {
  const seen = new Set<string>()
  return messages.filter((m) => {
    const key = `${m.stationId}\n${m.messageId}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

export function needsOf(messages: readonly TypedStationMessage[]): BatchNeeds {
  const stations = new Set<string>()
  const statusConnectors = new Map<string, { stationId: string; connectorId: number }>()
  const connectors = new Map<string, { stationId: string; connectorId: number }>()
  const transactions = new Map<number, { id: number; stationId: string }>()
  for (const m of messages) {
    stations.add(m.stationId)
    if (m.action === 'StatusNotification') {
      const c = { stationId: m.stationId, connectorId: m.request.connectorId }
      statusConnectors.set(connectorKey(c.stationId, c.connectorId), c)
      connectors.set(connectorKey(c.stationId, c.connectorId), c)
    } else if (m.action === 'MeterValues') {
      const c = { stationId: m.stationId, connectorId: m.request.connectorId }
      connectors.set(connectorKey(c.stationId, c.connectorId), c)
    } else if (m.action === 'StartTransaction') {
      const id = startedTransactionId(m)
      if (!transactions.has(id)) transactions.set(id, { id, stationId: m.stationId })
    } else if (m.action === 'StopTransaction') {
      const id = m.request.transactionId
      if (id > 0 && !transactions.has(id)) transactions.set(id, { id, stationId: m.stationId })
    }
  }
  const byConnector = (
    a: { stationId: string; connectorId: number },
    b: { stationId: string; connectorId: number },
  ) => compare(a.stationId, b.stationId) || a.connectorId - b.connectorId
  return {
    stationIds: [...stations].sort(compare),
    statusConnectors: [...statusConnectors.values()].sort(byConnector),
    connectors: [...connectors.values()].sort(byConnector),
    transactions: [...transactions.values()].sort((a, b) => a.id - b.id),
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function startedTransactionId(m: TypedStationMessageOf<'StartTransaction'>): number {
  const id = m.response?.transactionId
  if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) {
    throw new InvalidStationMessage(
      m.stationId,
      m.messageId,
      'StartTransaction without the transactionId answered',
    )
  }
  return id
}

const iso = (d: Date): string => d.toISOString()

/**
 * Maps a batch (deduplicated, in stream order) onto the current rows. See the module comment for the rules.
 *
 * ### Examples
 * ```ts
 * const changes = applyBatch(state, [aBoot({ stationId: 'CP-1' })], { clockSkewThresholdMs: 300_000 })
 * changes.stations[0].vendor // 'ACME'
 * changes.events[0].event === StationRegistered // true
 * ```
 */
export function applyBatch(
  state: BatchState,
  messages: readonly TypedStationMessage[],
  rules: IngestRules,
): BatchChanges {
  const stations = new Map<string, Station>()
  const changedStations = new Set<string>()
  const connectors = new Map<string, Connector>()
  const changedConnectors = new Set<string>()
  const transactions = new Map<number, TransactionRow>()
  const changedTransactions = new Set<number>()
  const out: BatchChanges = {
    stations: [],
    connectors: [],
    transactions: [],
    statusEvents: [],
    meterValues: [],
    stationMessages: [],
    unmatchedStops: [],
    events: [],
  }

  function station(id: string): Station {
    let s = stations.get(id)
    if (s === undefined) {
      const stored = state.stations.get(id)
      if (stored === undefined) throw new Error(`station ${id} was not loaded`)
      s = { ...stored }
      stations.set(id, s)
    }
    return s
  }
  function connector(stationId: string, connectorId: number): Connector | undefined {
    const key = connectorKey(stationId, connectorId)
    let c = connectors.get(key)
    if (c === undefined) {
      const stored = state.connectors.get(key)
      if (stored === undefined) return undefined
      c = { ...stored }
      connectors.set(key, c)
    }
    return c
  }
  function transaction(id: number): TransactionRow {
    let t = transactions.get(id)
    if (t === undefined) {
      const stored = state.transactions.get(id)
      if (stored === undefined) throw new Error(`transaction ${id} was not loaded`)
      const { energy_wh: _e, duration_s: _d, state: _s, updated_at: _u, ...row } = stored
      t = row
      transactions.set(id, t)
    }
    return t
  }

  for (const m of messages) {
    const s = station(m.stationId)
    if (touchStation(s, m, out.events)) changedStations.add(s.id)

    switch (m.action) {
      case 'BootNotification':
        if (applyBoot(s, m, out.events)) changedStations.add(s.id)
        break
      case 'StatusNotification': {
        const status = statusOf(m)
        out.statusEvents.push(status)
        const c = connector(m.stationId, m.request.connectorId)
        if (c !== undefined && applyStatus(c, status, out.events)) {
          changedConnectors.add(connectorKey(c.station_id, c.connector_id))
        }
        if (m.request.timestamp !== undefined && applySkew(s, m, m.request.timestamp, rules, out.events)) {
          changedStations.add(s.id)
        }
        break
      }
      case 'MeterValues': {
        const tid = m.request.transactionId
        const rows = sampleRows(m.request.meterValue ?? [], {
          stationId: m.stationId,
          connectorId: m.request.connectorId,
          transactionId: tid !== undefined && tid > 0 ? tid : null,
          receivedAt: m.receivedAt,
          sourceAction: 'MeterValues',
          messageId: m.messageId,
        })
        for (const r of rows) out.meterValues.push(r)
        const c = connector(m.stationId, m.request.connectorId)
        if (c !== undefined && applyRegister(c, rows, out.events)) {
          changedConnectors.add(connectorKey(c.station_id, c.connector_id))
        }
        break
      }
      case 'StartTransaction': {
        const t = transaction(startedTransactionId(m))
        if (applyStart(t, m, out.events)) changedTransactions.add(t.id)
        break
      }
      case 'StopTransaction': {
        const id = m.request.transactionId
        const t = id > 0 ? transaction(id) : undefined
        const rows = sampleRows(m.request.transactionData ?? [], {
          stationId: m.stationId,
          connectorId: t?.connector_id ?? 0,
          transactionId: t === undefined ? null : id,
          receivedAt: m.receivedAt,
          sourceAction: 'StopTransaction',
          messageId: m.messageId,
        })
        for (const r of rows) out.meterValues.push(r)
        if (t === undefined) {
          out.unmatchedStops.push({
            station_id: m.stationId,
            source_message_id: m.messageId,
            transaction_id: id,
            id_tag: m.request.idTag ?? null,
            meter_stop: m.request.meterStop,
            stopped_at: m.request.timestamp,
            stop_reason: m.request.reason ?? null,
            received_at: m.receivedAt,
          })
        } else if (applyStop(t, m, out.events)) {
          changedTransactions.add(t.id)
        }
        break
      }
      case 'DataTransfer':
        out.stationMessages.push(
          stationMessageRow(m, {
            vendor_id: m.request.vendorId,
            data_message_id: m.request.messageId ?? null,
            data: m.request.data ?? null,
            status: m.response?.status ?? null,
          }),
        )
        break
      case 'DiagnosticsStatusNotification':
      case 'FirmwareStatusNotification': {
        out.stationMessages.push(
          stationMessageRow(m, {
            vendor_id: null,
            data_message_id: null,
            data: null,
            status: m.request.status,
          }),
        )
        const firmware = m.action === 'FirmwareStatusNotification'
        const at = firmware ? s.firmware_status_at : s.diagnostics_status_at
        if (at === null || m.receivedMs > at.getTime()) {
          if (firmware) {
            s.firmware_status = m.request.status
            s.firmware_status_at = new Date(m.receivedMs)
          } else {
            s.diagnostics_status = m.request.status
            s.diagnostics_status_at = new Date(m.receivedMs)
          }
          changedStations.add(s.id)
        }
        break
      }
      case 'Heartbeat':
      case 'Authorize':
        break
    }
  }

  for (const id of changedStations) out.stations.push(stations.get(id) as Station)
  for (const key of changedConnectors) out.connectors.push(connectors.get(key) as Connector)
  for (const id of changedTransactions) out.transactions.push(transactions.get(id) as TransactionRow)
  return out
}

/** Liveness, address and version: every message proves the station alive at receivedAt. */
function touchStation(s: Station, m: TypedStationMessage, events: DomainEvent[]): boolean {
  let changed = false
  const at = new Date(m.receivedMs)
  if (s.first_seen_at === null || m.receivedMs < s.first_seen_at.getTime()) {
    s.first_seen_at = at
    changed = true
  }
  if (s.last_seen_at === null || m.receivedMs > s.last_seen_at.getTime()) {
    s.last_seen_at = at
    s.ocpp_version = m.ocppVersion
    if (m.from !== undefined) s.endpoint_url = m.from
    changed = true
  }
  if (s.offline_since !== null && m.receivedMs > s.offline_since.getTime()) {
    events.push(
      domainEvent(
        StationOnline,
        {
          stationId: s.id,
          offlineSince: iso(s.offline_since),
          at: m.receivedAt,
          sourceMessageId: m.messageId,
        },
        `${s.id}/${m.messageId}`,
      ),
    )
    s.offline_since = null
    changed = true
  }
  // The gateway stores nothing but BootNotification from a station that is not Accepted: a station first
  // known through another message was Accepted when it sent it.
  if (s.registration_status_at === null && m.action !== 'BootNotification') {
    s.registration_status = 'Accepted'
    s.registration_status_at = at
    changed = true
  }
  return changed
}

function applyBoot(s: Station, m: TypedStationMessageOf<'BootNotification'>, events: DomainEvent[]): boolean {
  let changed = false
  const status = m.response?.status as RegistrationStatus | undefined
  if (
    status !== undefined &&
    (s.registration_status_at === null || m.receivedMs > s.registration_status_at.getTime())
  ) {
    s.registration_status = status
    s.registration_status_at = new Date(m.receivedMs)
    changed = true
  }
  if (s.last_boot_at !== null && m.receivedMs <= s.last_boot_at.getTime()) return changed
  const r = m.request
  s.vendor = r.chargePointVendor
  s.model = r.chargePointModel
  s.serial = r.chargePointSerialNumber ?? r.chargeBoxSerialNumber ?? null
  s.charge_box_serial = r.chargeBoxSerialNumber ?? null
  s.firmware_version = r.firmwareVersion ?? null
  s.iccid = r.iccid ?? null
  s.imsi = r.imsi ?? null
  s.meter_type = r.meterType ?? null
  s.meter_serial = r.meterSerialNumber ?? null
  s.last_boot_at = new Date(m.receivedMs)
  if (m.response?.interval !== undefined) s.heartbeat_interval_s = m.response.interval
  const data: EventData<typeof StationRegistered> = {
    stationId: s.id,
    registrationStatus: status ?? s.registration_status,
    ocppVersion: m.ocppVersion,
    vendor: r.chargePointVendor,
    model: r.chargePointModel,
    bootedAt: m.receivedAt,
    sourceMessageId: m.messageId,
  }
  if (s.serial !== null) data.serial = s.serial
  if (r.firmwareVersion !== undefined) data.firmwareVersion = r.firmwareVersion
  if (m.from !== undefined) data.endpointUrl = m.from
  if (m.response?.interval !== undefined) data.heartbeatIntervalS = m.response.interval
  events.push(domainEvent(StationRegistered, data, `${s.id}/${m.messageId}`))
  return true
}

function statusOf(m: TypedStationMessageOf<'StatusNotification'>): StatusEventRow {
  const r = m.request
  return {
    station_id: m.stationId,
    connector_id: r.connectorId,
    status: r.status,
    error_code: r.errorCode,
    info: r.info ?? null,
    vendor_id: r.vendorId ?? null,
    vendor_error_code: r.vendorErrorCode ?? null,
    status_at: r.timestamp ?? m.receivedAt,
    station_timestamp: r.timestamp !== undefined,
    received_at: m.receivedAt,
    source_message_id: m.messageId,
  }
}

/** A newer status replaces the current one; an older one only goes to the history. */
function applyStatus(c: Connector, row: StatusEventRow, events: DomainEvent[]): boolean {
  const at = Date.parse(row.status_at)
  const current = c.status_at.getTime()
  if (at <= current) return false
  const isNew = current <= PLACEHOLDER_STATUS_AT.getTime()
  const previousStatus = c.status
  const previousErrorCode = c.error_code
  c.status = row.status as ConnectorStatus
  c.error_code = row.error_code
  c.info = row.info
  c.vendor_id = row.vendor_id
  c.vendor_error_code = row.vendor_error_code
  c.status_at = new Date(at)
  if (isNew || previousStatus !== c.status || previousErrorCode !== c.error_code) {
    const data: EventData<typeof ConnectorStatusChanged> = {
      stationId: c.station_id,
      connectorId: c.connector_id,
      status: c.status,
      errorCode: c.error_code,
      statusAt: iso(c.status_at),
      receivedAt: row.received_at,
      sourceMessageId: row.source_message_id,
    }
    if (!isNew) {
      data.previousStatus = previousStatus
      data.previousErrorCode = previousErrorCode
    }
    if (row.info !== null) data.info = row.info
    if (row.vendor_error_code !== null) data.vendorErrorCode = row.vendor_error_code
    events.push(domainEvent(ConnectorStatusChanged, data, `${c.station_id}/${row.source_message_id}`))
  }
  return true
}

/** Clock skew from a StatusNotification timestamp; an event when it crosses the threshold. */
function applySkew(
  s: Station,
  m: TypedStationMessage,
  stationTimestamp: string,
  rules: IngestRules,
  events: DomainEvent[],
): boolean {
  if (s.clock_skew_at !== null && m.receivedMs <= s.clock_skew_at.getTime()) return false
  const skew = Date.parse(stationTimestamp) - m.receivedMs
  const previous = s.clock_skew_ms === null ? undefined : Number(s.clock_skew_ms)
  s.clock_skew_ms = String(skew)
  s.clock_skew_at = new Date(m.receivedMs)
  const beyond = (v: number | undefined) => v !== undefined && Math.abs(v) > rules.clockSkewThresholdMs
  if (beyond(skew) && !beyond(previous)) {
    events.push(
      domainEvent(
        StationClockSkewed,
        {
          stationId: s.id,
          skewMs: skew,
          thresholdMs: rules.clockSkewThresholdMs,
          stationTimestamp,
          receivedAt: m.receivedAt,
          sourceMessageId: m.messageId,
        },
        `${s.id}/${m.messageId}`,
      ),
    )
  }
  return true
}

/** Tracks the connector's newest import register reading; a newer reading below it is a data-quality event. */
function applyRegister(c: Connector, rows: readonly SampleRow[], events: DomainEvent[]): boolean {
  let changed = false
  const readings = rows
    .filter(isImportRegister)
    .sort((a, b) => Date.parse(a.sampled_at) - Date.parse(b.sampled_at))
  for (const r of readings) {
    const at = Date.parse(r.sampled_at)
    if (c.meter_register_at !== null && at <= c.meter_register_at.getTime()) continue
    const value = Number(r.value)
    if (c.meter_register_wh !== null && c.meter_register_at !== null && value < Number(c.meter_register_wh)) {
      const data: EventData<typeof MeterRegisterDecreased> = {
        stationId: c.station_id,
        connectorId: c.connector_id,
        previousWh: Number(c.meter_register_wh),
        previousAt: iso(c.meter_register_at),
        currentWh: value,
        currentAt: r.sampled_at,
        source: 'meter-values',
        sourceMessageId: r.source_message_id,
      }
      if (r.transaction_id !== null) data.transactionId = r.transaction_id
      events.push(
        domainEvent(MeterRegisterDecreased, data, `${c.station_id}/${r.source_message_id}/${r.sample_index}`),
      )
    }
    c.meter_register_wh = r.value
    c.meter_register_at = new Date(at)
    changed = true
  }
  return changed
}

function applyStart(
  t: TransactionRow,
  m: TypedStationMessageOf<'StartTransaction'>,
  events: DomainEvent[],
): boolean {
  if (t.started_at !== null) return false
  const r = m.request
  t.connector_id = r.connectorId
  t.id_tag = r.idTag
  t.id_tag_status = m.response?.idTagInfo?.status ?? null
  t.reservation_id = r.reservationId ?? null
  t.meter_start = r.meterStart
  t.started_at = new Date(Date.parse(r.timestamp))
  t.start_message_id = m.messageId
  t.start_received_at = new Date(m.receivedMs)
  const data: EventData<typeof SessionStarted> = {
    stationId: t.station_id,
    transactionId: t.id,
    connectorId: r.connectorId,
    idTag: r.idTag,
    meterStartWh: r.meterStart,
    startedAt: iso(t.started_at),
    sourceMessageId: m.messageId,
  }
  if (t.id_tag_status !== null) data.idTagStatus = t.id_tag_status
  events.push(domainEvent(SessionStarted, data, `${t.station_id}/${m.messageId}`))
  if (t.stopped_at !== null) completed(t, m.messageId, events)
  return true
}

function applyStop(
  t: TransactionRow,
  m: TypedStationMessageOf<'StopTransaction'>,
  events: DomainEvent[],
): boolean {
  if (t.stopped_at !== null) return false
  const r = m.request
  t.stop_id_tag = r.idTag ?? null
  t.stop_id_tag_status = m.response?.idTagInfo?.status ?? null
  t.meter_stop = r.meterStop
  t.stopped_at = new Date(Date.parse(r.timestamp))
  t.stop_reason = r.reason ?? null
  t.stop_message_id = m.messageId
  t.stop_received_at = new Date(m.receivedMs)
  if (t.started_at !== null) completed(t, m.messageId, events)
  return true
}

/** Both ends known: session.completed (and a register check of meterStop against meterStart). */
function completed(t: TransactionRow, messageId: string, events: DomainEvent[]): void {
  const startedAt = t.started_at as Date
  const stoppedAt = t.stopped_at as Date
  const meterStart = t.meter_start as number
  const meterStop = t.meter_stop as number
  const data: EventData<typeof SessionCompleted> = {
    stationId: t.station_id,
    transactionId: t.id,
    connectorId: t.connector_id ?? 0,
    startedAt: iso(startedAt),
    stoppedAt: iso(stoppedAt),
    meterStartWh: meterStart,
    meterStopWh: meterStop,
    energyWh: meterStop - meterStart,
    durationS: Math.floor((stoppedAt.getTime() - startedAt.getTime()) / 1000),
    sourceMessageId: messageId,
  }
  if (t.id_tag !== null) data.idTag = t.id_tag
  if (t.stop_reason !== null) data.stopReason = t.stop_reason
  events.push(domainEvent(SessionCompleted, data, `${t.station_id}/${messageId}`))
  if (meterStop < meterStart) {
    events.push(
      domainEvent(
        MeterRegisterDecreased,
        {
          stationId: t.station_id,
          connectorId: t.connector_id ?? 0,
          transactionId: t.id,
          previousWh: meterStart,
          previousAt: iso(startedAt),
          currentWh: meterStop,
          currentAt: iso(stoppedAt),
          source: 'transaction',
          sourceMessageId: messageId,
        },
        `${t.station_id}/${messageId}/transaction`,
      ),
    )
  }
}

function stationMessageRow(
  m: TypedStationMessage,
  fields: Pick<StationMessageRow, 'vendor_id' | 'data_message_id' | 'data' | 'status'>,
): StationMessageRow {
  return {
    station_id: m.stationId,
    source_message_id: m.messageId,
    action: m.action,
    received_at: m.receivedAt,
    ...fields,
    payload: JSON.stringify(m.request),
    response: m.response === undefined ? null : JSON.stringify(m.response),
  }
}

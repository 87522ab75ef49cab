import { randomUUID } from 'node:crypto'
import type { EventData, OcppMessageReceived } from '@chargebus/events'

/*
 * Builders of raw station messages exactly as the gateway publishes them (1.6 payloads; 1.5 ones carry the
 * 1.6 form in normalizedPayload). Each takes the fields a test cares about.
 */

export type Raw = EventData<typeof OcppMessageReceived>

interface Common {
  stationId?: string
  messageId?: string
  receivedAt?: string
  ocppVersion?: '1.5' | '1.6'
  from?: string
}

function raw(
  action: string,
  payload: Record<string, unknown>,
  response: Record<string, unknown>,
  c: Common,
): Raw {
  const m: Raw = {
    stationId: c.stationId ?? 'CP-1',
    ocppVersion: c.ocppVersion ?? '1.6',
    action,
    messageId: c.messageId ?? `urn:uuid:${randomUUID()}`,
    receivedAt: c.receivedAt ?? '2026-11-26T10:00:00.000Z',
    payload,
    response,
    quirks: [],
  }
  m.from = c.from ?? 'http://10.0.0.7:8080/ocpp/cp'
  return m
}

export function aBoot(
  c: Common & { vendor?: string; model?: string; firmware?: string; status?: string; interval?: number } = {},
): Raw {
  const payload: Record<string, unknown> = {
    chargePointVendor: c.vendor ?? 'ACME',
    chargePointModel: c.model ?? 'Fast-1',
    chargePointSerialNumber: 'SN-1',
  }
  if (c.firmware) payload.firmwareVersion = c.firmware
  return raw(
    'BootNotification',
    payload,
    {
      status: c.status ?? 'Accepted',
      currentTime: c.receivedAt ?? '2026-11-26T10:00:00.000Z',
      interval: c.interval ?? 300,
    },
    c,
  )
}

export function aHeartbeat(c: Common = {}): Raw {
  return raw('Heartbeat', {}, { currentTime: c.receivedAt ?? '2026-11-26T10:00:00.000Z' }, c)
}

export function aStatus(
  c: Common & {
    connectorId?: number
    status?: string
    errorCode?: string
    timestamp?: string | null
    info?: string
  } = {},
): Raw {
  const payload: Record<string, unknown> = {
    connectorId: c.connectorId ?? 1,
    status: c.status ?? 'Available',
    errorCode: c.errorCode ?? 'NoError',
  }
  if (c.info) payload.info = c.info
  if (c.timestamp !== null) payload.timestamp = c.timestamp ?? c.receivedAt ?? '2026-11-26T10:00:00.000Z'
  return raw('StatusNotification', payload, {}, c)
}

export function aStart(
  c: Common & {
    transactionId: number
    connectorId?: number
    idTag?: string
    meterStart?: number
    timestamp?: string
  },
): Raw {
  return raw(
    'StartTransaction',
    {
      connectorId: c.connectorId ?? 1,
      idTag: c.idTag ?? 'TAG-1',
      timestamp: c.timestamp ?? c.receivedAt ?? '2026-11-26T10:00:00.000Z',
      meterStart: c.meterStart ?? 1000,
    },
    { transactionId: c.transactionId, idTagInfo: { status: 'Accepted' } },
    c,
  )
}

export function aStop(
  c: Common & {
    transactionId: number
    meterStop?: number
    timestamp?: string
    reason?: string
    idTag?: string
    transactionData?: unknown[]
  },
): Raw {
  const payload: Record<string, unknown> = {
    transactionId: c.transactionId,
    timestamp: c.timestamp ?? c.receivedAt ?? '2026-11-26T11:00:00.000Z',
    meterStop: c.meterStop ?? 5000,
  }
  if (c.idTag) payload.idTag = c.idTag
  if (c.reason) payload.reason = c.reason
  if (c.transactionData) payload.transactionData = c.transactionData
  return raw('StopTransaction', payload, c.idTag ? { idTagInfo: { status: 'Accepted' } } : {}, c)
}

/** One meterValue per timestamp, each with the given sampled values (default: one Wh register reading). */
export function aMeterValues(
  c: Common & {
    connectorId?: number
    transactionId?: number
    values: Array<{ timestamp: string; sampledValue: Array<Record<string, string>> }>
  },
): Raw {
  const payload: Record<string, unknown> = { connectorId: c.connectorId ?? 1, meterValue: c.values }
  if (c.transactionId !== undefined) payload.transactionId = c.transactionId
  return raw('MeterValues', payload, {}, c)
}

export function registerReading(timestamp: string, wh: number, extra: Record<string, string> = {}) {
  return {
    timestamp,
    sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh', ...extra }],
  }
}

export function aDataTransfer(c: Common & { vendorId?: string; data?: string } = {}): Raw {
  return raw(
    'DataTransfer',
    { vendorId: c.vendorId ?? 'com.acme', messageId: 'x', data: c.data ?? '{"a":1}' },
    { status: 'Accepted' },
    c,
  )
}

export function aFirmwareStatus(c: Common & { status?: string } = {}): Raw {
  return raw('FirmwareStatusNotification', { status: c.status ?? 'Installed' }, {}, c)
}

export function aDiagnosticsStatus(c: Common & { status?: string } = {}): Raw {
  return raw('DiagnosticsStatusNotification', { status: c.status ?? 'Uploaded' }, {}, c)
}

import { type EventData, StationOnline, StationRegistered } from '@chargebus/events'
import { type DomainEvent, domainEvent } from '../domain-event.ts'
import type { TypedStationMessage, TypedStationMessageOf } from '../typed-station-message.ts'
import type { StationState } from './batch-state.ts'

/*
 * A station's current state only moves forward in received time: first seen is a min, last seen a max, and
 * identity, registration and the firmware and diagnostics status come from the newest message that carries them.
 */

/** Liveness, address and version: every message proves the station alive at receivedAt. */
export function touchStation(s: StationState, m: TypedStationMessage, events: DomainEvent[]): boolean {
  let changed = false
  const at = new Date(m.receivedMs)
  if (s.firstSeenAt === null || m.receivedMs < s.firstSeenAt.getTime()) {
    s.firstSeenAt = at
    changed = true
  }
  if (s.lastSeenAt === null || m.receivedMs > s.lastSeenAt.getTime()) {
    s.lastSeenAt = at
    s.ocppVersion = m.ocppVersion
    if (m.from !== undefined) s.endpointUrl = m.from
    changed = true
  }
  if (s.offlineSince !== null && m.receivedMs > s.offlineSince.getTime()) {
    events.push(
      domainEvent(
        StationOnline,
        {
          stationId: s.id,
          offlineSince: s.offlineSince.toISOString(),
          at: m.receivedAt,
          sourceMessageId: m.messageId,
        },
        `${s.id}/${m.messageId}`,
      ),
    )
    s.offlineSince = null
    changed = true
  }
  // The gateway stores nothing but BootNotification from a station that is not Accepted: a station first
  // known through another message was Accepted when it sent it.
  if (s.registrationStatusAt === null && m.action !== 'BootNotification') {
    s.registrationStatus = 'Accepted'
    s.registrationStatusAt = at
    changed = true
  }
  return changed
}

/** The registration answered to a boot, and the identity of the newest boot (station.registered). */
export function applyBoot(
  s: StationState,
  m: TypedStationMessageOf<'BootNotification'>,
  events: DomainEvent[],
): boolean {
  let changed = false
  const status = m.response?.status
  if (
    status !== undefined &&
    (s.registrationStatusAt === null || m.receivedMs > s.registrationStatusAt.getTime())
  ) {
    s.registrationStatus = status
    s.registrationStatusAt = new Date(m.receivedMs)
    changed = true
  }
  if (s.lastBootAt !== null && m.receivedMs <= s.lastBootAt.getTime()) return changed
  const r = m.request
  s.vendor = r.chargePointVendor
  s.model = r.chargePointModel
  s.serial = r.chargePointSerialNumber ?? r.chargeBoxSerialNumber ?? null
  s.chargeBoxSerial = r.chargeBoxSerialNumber ?? null
  s.firmwareVersion = r.firmwareVersion ?? null
  s.iccid = r.iccid ?? null
  s.imsi = r.imsi ?? null
  s.meterType = r.meterType ?? null
  s.meterSerial = r.meterSerialNumber ?? null
  s.lastBootAt = new Date(m.receivedMs)
  if (m.response?.interval !== undefined) s.heartbeatIntervalS = m.response.interval
  const data: EventData<typeof StationRegistered> = {
    stationId: s.id,
    registrationStatus: status ?? s.registrationStatus,
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

/** The firmware or diagnostics status a station reported, when newer than the stored one (no event). */
export function applyDeviceStatus(
  s: StationState,
  m: TypedStationMessageOf<'FirmwareStatusNotification' | 'DiagnosticsStatusNotification'>,
): boolean {
  const firmware = m.action === 'FirmwareStatusNotification'
  const at = firmware ? s.firmwareStatusAt : s.diagnosticsStatusAt
  if (at !== null && m.receivedMs <= at.getTime()) return false
  if (firmware) {
    s.firmwareStatus = m.request.status
    s.firmwareStatusAt = new Date(m.receivedMs)
  } else {
    s.diagnosticsStatus = m.request.status
    s.diagnosticsStatusAt = new Date(m.receivedMs)
  }
  return true
}

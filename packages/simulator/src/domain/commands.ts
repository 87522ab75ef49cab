import type { CpOperation, CpRequest, CpResponse } from '@chargebus/ocpp'
import { changeConfiguration, readConfiguration } from './configuration.ts'
import { CONNECTOR_ID, type Effect, Reactor, type Station, VENDOR } from './station.ts'

type CpOp = CpOperation<'1.6'>

/** A ChargePointService call from the central system, in its 1.6 form. */
export type Command = { [O in CpOp]: { readonly operation: O; readonly payload: CpRequest<'1.6', O> } }[CpOp]

export interface Obeyed<O extends CpOp = CpOp> {
  readonly station: Station
  /** The answer to send back (1.6 form). */
  readonly reply: CpResponse<'1.6', O>
  /** What the station does after answering (e.g. StartTransaction after RemoteStartTransaction). */
  readonly effects: readonly Effect[]
}

type Handler<O extends CpOp> = (r: Reactor, payload: CpRequest<'1.6', O>) => CpResponse<'1.6', O>

const isOurConnector = (id: number | undefined) => id === undefined || id === CONNECTOR_ID

/**
 * One handler per ChargePointService operation: Core, RemoteTrigger and FirmwareManagement are obeyed (a
 * diagnostics file is uploaded to the location given, a firmware image downloaded from it); the profiles the
 * simulator does not implement (reservations, local lists, smart charging) answer as the spec says a station
 * without them does.
 */
const handlers: { [O in CpOp]: Handler<O> } = {
  RemoteStartTransaction(r, p) {
    if (!isOurConnector(p.connectorId) || !r.isFree() || r.s.shuttingDown || p.chargingProfile !== undefined)
      return { status: 'Rejected' }
    r.plugIn(p.idTag, true)
    return { status: 'Accepted' }
  },
  RemoteStopTransaction(r, p) {
    const session = r.s.session
    if (session?.transactionId !== p.transactionId || session.phase !== 'charging')
      return { status: 'Rejected' }
    r.stop('Remote')
    return { status: 'Accepted' }
  },
  Reset(r, p) {
    if (r.s.session?.phase === 'charging') {
      r.s = { ...r.s, resetAfterStop: true }
      r.stop(p.type === 'Hard' ? 'HardReset' : 'SoftReset')
    } else {
      if (r.s.session) r.s = { ...r.s, session: undefined }
      r.boot()
    }
    return { status: 'Accepted' }
  },
  TriggerMessage(r, p) {
    if (p.connectorId !== undefined && p.connectorId !== 0 && p.connectorId !== CONNECTOR_ID)
      return { status: 'Rejected' }
    switch (p.requestedMessage) {
      case 'BootNotification':
        r.sendBootNotification()
        break
      case 'Heartbeat':
        r.send('Heartbeat', {})
        break
      case 'StatusNotification':
        r.reportStatus()
        break
      case 'MeterValues':
        r.send('MeterValues', {
          connectorId: CONNECTOR_ID,
          transactionId: r.s.session?.transactionId,
          meterValue: [
            {
              timestamp: r.now,
              sampledValue: [
                {
                  value: String(Math.floor(r.s.registerWh)),
                  context: 'Trigger',
                  measurand: 'Energy.Active.Import.Register',
                  unit: 'Wh',
                },
              ],
            },
          ],
        })
        break
      case 'DiagnosticsStatusNotification':
        r.send('DiagnosticsStatusNotification', { status: 'Idle' })
        break
      case 'FirmwareStatusNotification':
        r.send('FirmwareStatusNotification', { status: 'Idle' })
        break
    }
    return { status: 'Accepted' }
  },
  UnlockConnector(r, p) {
    if (p.connectorId !== CONNECTOR_ID) return { status: 'NotSupported' }
    if (r.s.session?.phase === 'charging') r.stop('UnlockCommand')
    return { status: 'Unlocked' }
  },
  ChangeAvailability(r, p) {
    if (p.connectorId !== 0 && p.connectorId !== CONNECTOR_ID) return { status: 'Rejected' }
    if (p.type === 'Inoperative') {
      if (r.s.session !== undefined || r.s.status === 'Finishing') {
        r.s = { ...r.s, inoperativeScheduled: true }
        return { status: 'Scheduled' }
      }
      r.s = { ...r.s, operative: false }
      if (r.s.status !== 'Unavailable') r.status('Unavailable')
      return { status: 'Accepted' }
    }
    r.s = { ...r.s, operative: true, inoperativeScheduled: false }
    if (r.s.status === 'Unavailable') r.status('Available')
    return { status: 'Accepted' }
  },
  GetConfiguration(r, p) {
    const { configurationKey, unknownKey } = readConfiguration(r.s.config, p.key)
    return {
      configurationKey: configurationKey.map((e) => ({ key: e.key, readonly: e.readonly, value: e.value })),
      ...(unknownKey.length ? { unknownKey } : {}),
    }
  },
  ChangeConfiguration(r, p) {
    const { status, config } = changeConfiguration(r.s.config, p.key, p.value)
    r.s = { ...r.s, config }
    if (status === 'Accepted' && p.key === 'HeartbeatInterval' && r.s.registration === 'accepted')
      r.armHeartbeat()
    return { status }
  },
  ClearCache: () => ({ status: 'Accepted' }),
  DataTransfer: (_r, p) =>
    p.vendorId === VENDOR
      ? { status: 'Accepted', ...(p.data === undefined ? {} : { data: p.data }) }
      : { status: 'UnknownVendorId' },
  // Profiles the simulator does not implement:
  CancelReservation: () => ({ status: 'Rejected' }),
  ReserveNow: () => ({ status: 'Rejected' }),
  // -1: the station does not support a local authorization list
  GetLocalListVersion: () => ({ listVersion: -1 }),
  SendLocalList: () => ({ status: 'NotSupported' }),
  GetDiagnostics(r, p) {
    const fileName = `diagnostics-${r.s.id}-${r.now.replace(/[-:.]/g, '')}.txt`
    r.transfer({ direction: 'upload', location: p.location, fileName, content: diagnosticsOf(r) })
    return { fileName }
  },
  UpdateFirmware(r, p) {
    r.transfer({ direction: 'download', location: p.location, notBefore: p.retrieveDate })
    return {}
  },
  SetChargingProfile: () => ({ status: 'NotSupported' }),
  ClearChargingProfile: () => ({ status: 'Unknown' }),
  GetCompositeSchedule: () => ({ status: 'Rejected' }),
}

/** What the simulated station's diagnostics file says: its state, one `key=value` per line. */
function diagnosticsOf(r: Reactor): string {
  const s = r.s
  const lines = {
    station: s.id,
    generatedAt: r.now,
    registration: s.registration,
    status: s.status,
    operative: s.operative,
    registerWh: Math.floor(s.registerWh),
    session: s.session?.transactionId ?? 'none',
    ...Object.fromEntries(Object.values(s.config).map((e) => [`config.${e.key}`, e.value])),
  }
  return `${Object.entries(lines)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`
}

/**
 * How the station answers a ChargePointService command, and what it does after answering.
 *
 * ### Examples
 * ```ts
 * const { reply, effects } = obey(station, { operation: 'RemoteStartTransaction', payload: { idTag: 'TAG' } }, now)
 * // reply: { status: 'Accepted' }; effects: StatusNotification Preparing, StartTransaction
 * ```
 */
export function obey<C extends Command>(station: Station, command: C, now: string): Obeyed<C['operation']> {
  const r = new Reactor(station, now)
  const handler = handlers[command.operation] as Handler<C['operation']>
  const reply = handler(r, command.payload as never)
  return { station: r.s, reply, effects: r.effects }
}

/** Whether an answer means the station does what was asked (for the run summary's `commandsObeyed`). */
export function isObeyed(reply: Readonly<Record<string, unknown>>): boolean {
  const status = reply.status
  return status === undefined || status === 'Accepted' || status === 'Unlocked' || status === 'Scheduled'
}

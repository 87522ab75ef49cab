import type { CsOperation, CsRequest, CsResponse, v16 } from '@chargebus/ocpp'
import {
  boolSetting,
  type Configuration,
  initialConfiguration,
  intSetting,
  measurandsSetting,
} from './configuration.ts'
import { type Charge, chargeFor, NOMINAL_VOLTAGE, sampledValues, socOf } from './meter.ts'
import { between, draw, stationSeed } from './random.ts'

/*
 * What one charging station does next, as pure functions over plain data: `react(station, event, now)` returns the
 * next station and the effects the I/O layer carries out (send a CentralSystemService request, arm or clear a
 * timer, report a finished session). Payloads are OCPP 1.6; the I/O layer converts for 1.5 stations.
 * ChargePointService commands are in `commands.ts`. No clock, no I/O: `now` comes in with every event.
 */

type CsOp = CsOperation<'1.6'>

/** A CentralSystemService request to send, in its 1.6 form. */
export type Send = {
  [O in CsOp]: { readonly kind: 'send'; readonly operation: O; readonly payload: CsRequest<'1.6', O> }
}[CsOp]

export type TimerName = 'boot' | 'heartbeat' | 'plug-in' | 'meter' | 'unplug'

export type Effect =
  | Send
  | { readonly kind: 'set-timer'; readonly timer: TimerName; readonly afterS: number }
  | { readonly kind: 'clear-timer'; readonly timer: TimerName }
  | { readonly kind: 'session-completed'; readonly transactionId: number; readonly energyWh: number }
  | { readonly kind: 'session-refused'; readonly status: string }
  /** The station did everything its profile asked (burst) or wound down after `shutdown`. */
  | { readonly kind: 'finished' }
  /** A file transfer the I/O layer carries out, then reports as `transfer-ended`. */
  | { readonly kind: 'transfer'; readonly transfer: Transfer }

/** GetDiagnostics: upload `content` as `fileName` into the `location` directory. UpdateFirmware: download it. */
export type Transfer =
  | {
      readonly direction: 'upload'
      readonly location: string
      readonly fileName: string
      readonly content: string
    }
  | { readonly direction: 'download'; readonly location: string; readonly notBefore: string }

/** The central system's answer to a request, in its 1.6 form. */
export type Answer = {
  [O in CsOp]: { readonly type: 'answer'; readonly operation: O; readonly payload: CsResponse<'1.6', O> }
}[CsOp]

export type StationEvent =
  | { readonly type: 'power-on' }
  | { readonly type: 'timer'; readonly timer: TimerName }
  | Answer
  | { readonly type: 'call-failed'; readonly operation: CsOp; readonly reason: string }
  /** The run ends: stop a running session, then report `finished`. */
  | { readonly type: 'shutdown' }
  | { readonly type: 'transfer-ended'; readonly direction: Transfer['direction']; readonly ok: boolean }

/** How the fleet behaves over time. */
export interface Behaviour {
  readonly profile: 'steady' | 'burst'
  /** burst: sessions each station runs back to back before it is finished. */
  readonly sessions: number
  /** burst: MeterValues per session. */
  readonly meterValuesPerSession: number
  /** steady: chance that an idle station gets a car at each plug-in check. */
  readonly sessionChance: number
  /** steady: seconds between plug-in checks. */
  readonly plugInCheckS: number
  /** steady: a session charges for this many seconds (uniform), unless the battery is full first. */
  readonly sessionS: readonly [number, number]
  /** steady: the car stays plugged in for this many seconds after the session (uniform). */
  readonly unplugS: readonly [number, number]
  /** Retry BootNotification after this many seconds when it failed or the interval given was 0. */
  readonly bootRetryS: number
}

export type Reason = NonNullable<v16.cs.StopTransactionRequest['reason']>

export interface Session {
  readonly idTag: string
  readonly phase: 'authorizing' | 'starting' | 'charging' | 'stopping'
  readonly transactionId?: number
  readonly meterStartWh: number
  readonly startedAt: string
  readonly charge: Charge
  readonly samplesSent: number
  /** Simulated seconds charged so far (sample interval per MeterValues). */
  readonly chargedS: number
  readonly plannedS: number
  /** A stop asked for while the transaction id was not known yet. */
  readonly stopAsked?: Reason
}

export interface Station {
  readonly id: string
  /** The index in the fleet; with the fleet seed it gives the station's random sequence. */
  readonly index: number
  readonly idTag: string
  readonly rng: number
  readonly registration: 'off' | 'booting' | 'pending' | 'accepted'
  readonly status: v16.cs.ChargePointStatus
  readonly operative: boolean
  /** ChangeAvailability Inoperative arrived during a session: applied when the connector is free. */
  readonly inoperativeScheduled: boolean
  /** The import register in Wh (fractional; sent as whole Wh, never decreasing). */
  readonly registerWh: number
  readonly session?: Session
  /** Sessions begun (a car plugged in or a remote start), whether or not they got a transaction. */
  readonly sessionsBegun: number
  readonly sessionsDone: number
  readonly config: Configuration
  readonly behaviour: Behaviour
  /** A Reset waiting for the running session's StopTransaction answer before rebooting. */
  readonly resetAfterStop: boolean
  readonly shuttingDown: boolean
}

export const VENDOR = 'Chargebus'
export const MODEL = 'Sim-AC22'
export const CONNECTOR_ID = 1

/**
 * A station as it leaves the factory: powered off, Available, its register at a random lifetime reading.
 *
 * ### Examples
 * ```ts
 * const s = createStation({ id: 'SIM-00001', index: 0, fleetSeed: 7, idTag: 'SIM-TAG', behaviour, meterValueSampleIntervalS: 60 })
 * ```
 */
export function createStation(opts: {
  id: string
  index: number
  fleetSeed: number
  idTag: string
  behaviour: Behaviour
  meterValueSampleIntervalS: number
}): Station {
  const seeded = { rng: stationSeed(opts.fleetSeed, opts.index) }
  const [r, after] = draw(seeded)
  return {
    id: opts.id,
    index: opts.index,
    idTag: opts.idTag,
    rng: after.rng,
    registration: 'off',
    status: 'Available',
    operative: true,
    inoperativeScheduled: false,
    registerWh: Math.floor(between(r, 100_000, 5_000_000)),
    sessionsBegun: 0,
    sessionsDone: 0,
    config: initialConfiguration({ meterValueSampleIntervalS: opts.meterValueSampleIntervalS }),
    behaviour: opts.behaviour,
    resetAfterStop: false,
    shuttingDown: false,
  }
}

export interface Reaction {
  readonly station: Station
  readonly effects: readonly Effect[]
}

/**
 * The station's next state and effects after `event` at `now` (ISO 8601, used for message timestamps).
 *
 * ### Examples
 * ```ts
 * const { station, effects } = react(s, { type: 'power-on' }, '2026-11-26T10:00:00.000Z')
 * // effects: [{ kind: 'send', operation: 'BootNotification', payload: { chargePointVendor: 'Chargebus', ... } }]
 * ```
 */
export function react(station: Station, event: StationEvent, now: string): Reaction {
  const r = new Reactor(station, now)
  switch (event.type) {
    case 'power-on':
      r.boot()
      break
    case 'timer':
      r.timer(event.timer)
      break
    case 'answer':
      r.answer(event)
      break
    case 'call-failed':
      r.failed(event.operation)
      break
    case 'shutdown':
      r.shutdown()
      break
    case 'transfer-ended':
      r.transferEnded(event.direction, event.ok)
      break
  }
  return r.result()
}

/**
 * Collects effects while the station changes; a small builder so every rule reads as one line of the story.
 * Used by `react` and by `obey` (commands.ts); not part of the package's API.
 */
export class Reactor {
  s: Station
  readonly now: string
  readonly effects: Effect[] = []

  constructor(station: Station, now: string) {
    this.s = station
    this.now = now
  }

  result(): Reaction {
    return { station: this.s, effects: this.effects }
  }

  send<O extends CsOp>(operation: O, payload: CsRequest<'1.6', O>): void {
    this.effects.push({ kind: 'send', operation, payload } as Send)
  }

  setTimer(timer: TimerName, afterS: number): void {
    this.effects.push({ kind: 'set-timer', timer, afterS })
  }

  clearTimer(timer: TimerName): void {
    this.effects.push({ kind: 'clear-timer', timer })
  }

  transfer(transfer: Transfer): void {
    this.effects.push({ kind: 'transfer', transfer })
  }

  /**
   * Reports a transfer with the statuses OCPP 1.5 and 1.6 share: Uploaded/UploadFailed; Downloaded then
   * Installed (the simulated install always succeeds), or DownloadFailed.
   */
  transferEnded(direction: Transfer['direction'], ok: boolean): void {
    if (direction === 'upload') {
      this.send('DiagnosticsStatusNotification', { status: ok ? 'Uploaded' : 'UploadFailed' })
      return
    }
    if (!ok) {
      this.send('FirmwareStatusNotification', { status: 'DownloadFailed' })
      return
    }
    this.send('FirmwareStatusNotification', { status: 'Downloaded' })
    this.send('FirmwareStatusNotification', { status: 'Installed' })
  }

  random(): number {
    const [value, next] = draw(this.s)
    this.s = next
    return value
  }

  get burst(): boolean {
    return this.s.behaviour.profile === 'burst'
  }

  boot(): void {
    for (const t of ['boot', 'heartbeat', 'plug-in', 'meter', 'unplug'] as const) this.clearTimer(t)
    // after a reboot the connector reports what it is, not what it was
    const status = this.s.session ? this.s.status : this.s.operative ? 'Available' : 'Unavailable'
    this.s = { ...this.s, registration: 'booting', resetAfterStop: false, status }
    this.sendBootNotification()
  }

  sendBootNotification(): void {
    this.send('BootNotification', {
      chargePointVendor: VENDOR,
      chargePointModel: MODEL,
      chargePointSerialNumber: this.s.id.slice(0, 25),
      firmwareVersion: '0.1.0',
      meterType: 'SimMeter',
    })
  }

  status(status: v16.cs.ChargePointStatus): void {
    this.s = { ...this.s, status }
    this.reportStatus()
  }

  reportStatus(): void {
    this.send('StatusNotification', {
      connectorId: CONNECTOR_ID,
      errorCode: 'NoError',
      status: this.s.status,
      timestamp: this.now,
    })
  }

  timer(timer: TimerName): void {
    const s = this.s
    switch (timer) {
      case 'boot':
        if (s.registration !== 'accepted') this.boot()
        return
      case 'heartbeat':
        if (s.registration !== 'accepted') return
        this.send('Heartbeat', {})
        this.armHeartbeat()
        return
      case 'plug-in': {
        if (s.registration !== 'accepted' || s.shuttingDown) return
        if (this.isFree() && this.random() < s.behaviour.sessionChance) this.plugIn(s.idTag, false)
        this.setTimer('plug-in', s.behaviour.plugInCheckS)
        return
      }
      case 'meter':
        this.sampleMeter()
        return
      case 'unplug':
        this.unplug()
        return
    }
  }

  isFree(): boolean {
    const s = this.s
    return s.session === undefined && s.operative && s.status === 'Available' && s.registration === 'accepted'
  }

  armHeartbeat(): void {
    const interval = intSetting(this.s.config, 'HeartbeatInterval')
    if (interval > 0) this.setTimer('heartbeat', interval)
    else this.clearTimer('heartbeat')
  }

  /** A car is plugged in (or a remote start arrived): Preparing, then Authorize or straight to StartTransaction. */
  plugIn(idTag: string, remote: boolean): void {
    const b = this.s.behaviour
    const powers = [3700, 7400, 11_000, 22_000] as const
    const maxPowerW = powers[Math.min(powers.length - 1, Math.floor(this.random() * powers.length))] ?? 7400
    const charge: Charge = {
      maxPowerW,
      phases: maxPowerW > 7400 ? 3 : 1,
      capacityWh: Math.round(between(this.random(), 40_000, 90_000)),
      deliveredWh: 0,
      startSocPct: Math.round(between(this.random(), 10, 60)),
    }
    const plannedS = Math.round(between(this.random(), b.sessionS[0], b.sessionS[1]))
    const skipAuthorize = remote && !boolSetting(this.s.config, 'AuthorizeRemoteTxRequests')
    this.s = {
      ...this.s,
      sessionsBegun: this.s.sessionsBegun + 1,
      session: {
        idTag,
        phase: skipAuthorize ? 'starting' : 'authorizing',
        meterStartWh: Math.floor(this.s.registerWh),
        startedAt: this.now,
        charge,
        samplesSent: 0,
        chargedS: 0,
        plannedS,
      },
    }
    this.status('Preparing')
    if (skipAuthorize) this.startTransaction()
    else this.send('Authorize', { idTag })
  }

  startTransaction(): void {
    const session = this.s.session
    if (!session) return
    this.s = { ...this.s, session: { ...session, phase: 'starting', startedAt: this.now } }
    this.send('StartTransaction', {
      connectorId: CONNECTOR_ID,
      idTag: session.idTag,
      timestamp: this.now,
      meterStart: session.meterStartWh,
    })
  }

  sampleIntervalS(): number {
    return intSetting(this.s.config, 'MeterValueSampleInterval')
  }

  /** Arms the next sample: at once in burst (simulated time still advances by the interval), else after it. */
  armMeter(): void {
    const interval = this.sampleIntervalS()
    if (this.burst) this.setTimer('meter', 0)
    else this.setTimer('meter', interval > 0 ? interval : Math.max(1, this.s.session?.plannedS ?? 60))
  }

  sampleMeter(): void {
    const session = this.s.session
    if (session?.phase !== 'charging' || session.transactionId === undefined) return
    const stepS = this.sampleIntervalS() > 0 ? this.sampleIntervalS() : session.plannedS
    const charge = chargeFor(session.charge, stepS)
    const registerWh = this.s.registerWh + (charge.deliveredWh - session.charge.deliveredWh)
    const voltage = NOMINAL_VOLTAGE + between(this.random(), -4, 4)
    const next: Session = {
      ...session,
      charge,
      samplesSent: session.samplesSent + 1,
      chargedS: session.chargedS + stepS,
    }
    this.s = { ...this.s, registerWh, session: next }
    if (this.sampleIntervalS() > 0) {
      this.send('MeterValues', {
        connectorId: CONNECTOR_ID,
        transactionId: session.transactionId,
        meterValue: [
          {
            timestamp: this.now,
            sampledValue: sampledValues({
              registerWh,
              charge,
              measurands: measurandsSetting(this.s.config, 'MeterValuesSampledData'),
              context: 'Sample.Periodic',
              voltage,
            }),
          },
        ],
      })
    }
    const done = this.burst
      ? next.samplesSent >= this.s.behaviour.meterValuesPerSession
      : next.chargedS >= next.plannedS || socOf(charge) >= 100
    if (done) this.stop('Local')
    else this.armMeter()
  }

  /** Ends the session the way its phase allows: StopTransaction when charging, else abandon or remember. */
  stop(reason: Reason): void {
    const session = this.s.session
    if (!session) return
    if (session.phase === 'authorizing') {
      this.abandon()
      return
    }
    if (session.phase === 'starting' || session.transactionId === undefined) {
      this.s = { ...this.s, session: { ...session, stopAsked: reason } }
      return
    }
    if (session.phase === 'stopping') return
    this.clearTimer('meter')
    this.s = { ...this.s, session: { ...session, phase: 'stopping' } }
    const measurands = measurandsSetting(this.s.config, 'StopTxnSampledData')
    const reading = (registerWh: number, context: 'Transaction.Begin' | 'Transaction.End', charge?: Charge) =>
      sampledValues({ registerWh, charge, measurands, context, voltage: NOMINAL_VOLTAGE })
    const meterStop = Math.floor(this.s.registerWh)
    this.send('StopTransaction', {
      transactionId: session.transactionId,
      idTag: session.idTag,
      timestamp: this.now,
      meterStop,
      reason,
      transactionData: [
        { timestamp: session.startedAt, sampledValue: reading(session.meterStartWh, 'Transaction.Begin') },
        { timestamp: this.now, sampledValue: reading(meterStop, 'Transaction.End', session.charge) },
      ].filter((mv) => mv.sampledValue.length > 0),
    })
  }

  /** No transaction came of it (refused tag, failed call): the car leaves, the connector is free again. */
  abandon(): void {
    this.s = { ...this.s, session: undefined }
    this.freeConnector()
    this.afterSession()
  }

  /** Finishing -> (car unplugged) -> Available, or Unavailable when an Inoperative change waited for it. */
  unplug(): void {
    if (this.s.session?.phase === 'stopping') return
    this.s = { ...this.s, session: undefined }
    this.freeConnector()
    this.afterSession()
  }

  freeConnector(): void {
    if (this.s.inoperativeScheduled) {
      this.s = { ...this.s, operative: false, inoperativeScheduled: false }
      this.status('Unavailable')
    } else this.status(this.s.operative ? 'Available' : 'Unavailable')
  }

  /**
   * What follows a session: the next one (burst), nothing (steady: the plug-in timer runs), or the end. A burst
   * station begins each of its sessions once: a refused or failed one is not retried in a loop.
   */
  afterSession(): void {
    const s = this.s
    if (s.shuttingDown) this.effects.push({ kind: 'finished' })
    else if (this.burst) {
      if (s.sessionsBegun < s.behaviour.sessions && this.isFree()) this.plugIn(s.idTag, false)
      else if (s.sessionsBegun >= s.behaviour.sessions) this.effects.push({ kind: 'finished' })
    }
  }

  answer(a: Answer): void {
    switch (a.operation) {
      case 'BootNotification':
        this.booted(a.payload)
        return
      case 'Authorize': {
        const session = this.s.session
        if (session?.phase !== 'authorizing') return
        if (a.payload.idTagInfo.status === 'Accepted') {
          this.startTransaction()
          return
        }
        this.effects.push({ kind: 'session-refused', status: a.payload.idTagInfo.status })
        this.abandon()
        return
      }
      case 'StartTransaction':
        this.started(a.payload)
        return
      case 'StopTransaction':
        this.stopped()
        return
      default:
        return
    }
  }

  booted(p: v16.cs.BootNotificationResponse): void {
    const wasAccepted = this.s.registration === 'accepted'
    if (p.status !== 'Accepted') {
      this.s = { ...this.s, registration: 'pending' }
      this.setTimer('boot', p.interval > 0 ? p.interval : this.s.behaviour.bootRetryS)
      return
    }
    const config =
      p.interval > 0
        ? {
            ...this.s.config,
            HeartbeatInterval: { key: 'HeartbeatInterval', value: String(p.interval), readonly: false },
          }
        : this.s.config
    this.s = { ...this.s, registration: 'accepted', config }
    this.armHeartbeat()
    // A BootNotification sent on a TriggerMessage only refreshes the interval.
    if (wasAccepted) return
    this.reportStatus()
    if (this.s.shuttingDown) {
      this.effects.push({ kind: 'finished' })
      return
    }
    if (this.burst) this.afterSession()
    else this.setTimer('plug-in', Math.round(between(this.random(), 0, this.s.behaviour.plugInCheckS)))
  }

  started(p: v16.cs.StartTransactionResponse): void {
    const session = this.s.session
    if (session?.phase !== 'starting') return
    const charging: Session = { ...session, phase: 'charging', transactionId: p.transactionId }
    this.s = { ...this.s, session: charging }
    if (p.idTagInfo.status !== 'Accepted') {
      this.effects.push({ kind: 'session-refused', status: p.idTagInfo.status })
      this.stop('DeAuthorized')
      return
    }
    this.status('Charging')
    if (session.stopAsked) {
      this.stop(session.stopAsked)
      return
    }
    this.armMeter()
  }

  stopped(): void {
    const session = this.s.session
    if (session?.phase !== 'stopping' || session.transactionId === undefined) return
    this.effects.push({
      kind: 'session-completed',
      transactionId: session.transactionId,
      energyWh: Math.floor(this.s.registerWh) - session.meterStartWh,
    })
    this.s = { ...this.s, sessionsDone: this.s.sessionsDone + 1, session: undefined }
    if (this.s.resetAfterStop) {
      this.boot()
      return
    }
    this.status('Finishing')
    const [lo, hi] = this.s.behaviour.unplugS
    const wait = this.burst || this.s.shuttingDown ? 0 : Math.round(between(this.random(), lo, hi))
    this.setTimer('unplug', wait)
  }

  failed(operation: CsOp): void {
    switch (operation) {
      case 'BootNotification':
        if (this.s.registration !== 'accepted') this.setTimer('boot', this.s.behaviour.bootRetryS)
        return
      case 'Authorize':
      case 'StartTransaction':
        if (this.s.session?.phase === 'authorizing' || this.s.session?.phase === 'starting') this.abandon()
        return
      case 'StopTransaction':
        // A real station queues it for TransactionMessageAttempts; the simulator counts the failure and moves on.
        if (this.s.session?.phase === 'stopping') {
          this.s = { ...this.s, session: undefined }
          this.status('Finishing')
          this.setTimer('unplug', 0)
        }
        return
      default:
        return
    }
  }

  shutdown(): void {
    this.s = { ...this.s, shuttingDown: true }
    for (const t of ['boot', 'heartbeat', 'plug-in'] as const) this.clearTimer(t)
    const session = this.s.session
    if (session === undefined) {
      this.effects.push({ kind: 'finished' })
      return
    }
    if (session.phase === 'charging') this.stop('Local')
    else if (session.phase === 'authorizing') this.abandon()
    else if (session.phase === 'starting') this.s = { ...this.s, session: { ...session, stopAsked: 'Local' } }
  }
}

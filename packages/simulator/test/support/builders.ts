import {
  type Answer,
  type Behaviour,
  createStation,
  type Effect,
  react,
  type Send,
  type Station,
  type StationEvent,
} from '../../src/index.ts'

export const NOW = '2026-11-26T10:00:00.000Z'

export function aBehaviour(update: Partial<Behaviour> = {}): Behaviour {
  return {
    profile: 'burst',
    sessions: 1,
    meterValuesPerSession: 3,
    sessionChance: 0.5,
    plugInCheckS: 60,
    sessionS: [900, 5400],
    unplugS: [10, 120],
    bootRetryS: 30,
    ...update,
  }
}

export function aStation(
  update: Partial<Behaviour> = {},
  opts: { seed?: number; index?: number } = {},
): Station {
  return createStation({
    id: 'SIM-00001',
    index: opts.index ?? 0,
    fleetSeed: opts.seed ?? 7,
    idTag: 'SIM-TAG',
    behaviour: aBehaviour(update),
    meterValueSampleIntervalS: 60,
  })
}

export function sends(effects: readonly Effect[]): Send[] {
  return effects.filter((e): e is Send => e.kind === 'send')
}

export function ops(effects: readonly Effect[]): string[] {
  return sends(effects).map((s) =>
    s.operation === 'StatusNotification' ? `Status:${s.payload.status}` : s.operation,
  )
}

export function answer<O extends Answer['operation']>(
  operation: O,
  payload: Extract<Answer, { operation: O }>['payload'],
): StationEvent {
  return { type: 'answer', operation, payload } as StationEvent
}

export const BOOT_ACCEPTED = answer('BootNotification', {
  status: 'Accepted',
  currentTime: NOW,
  interval: 300,
})

/** Runs events through `react`, returning the final station and every effect in order. */
export function run(
  station: Station,
  events: readonly StationEvent[],
): { station: Station; effects: Effect[] } {
  let s = station
  const effects: Effect[] = []
  for (const e of events) {
    const r = react(s, e, NOW)
    s = r.station
    effects.push(...r.effects)
  }
  return { station: s, effects }
}

/**
 * A pure stand-in for the gateway: answers every request at once (Accepted, transaction ids from 1), fires timers
 * in the order they were armed, and records everything the station sent. Used for full lives and determinism.
 */
export function live(
  station: Station,
  maxSteps = 500,
): { station: Station; sent: Send[]; effects: Effect[] } {
  let s = station
  const sent: Send[] = []
  const all: Effect[] = []
  const pending: StationEvent[] = [{ type: 'power-on' }]
  const timers: string[] = []
  let txId = 0
  for (let step = 0; step < maxSteps; step++) {
    const event =
      pending.shift() ??
      (timers.length ? ({ type: 'timer', timer: timers.shift() } as StationEvent) : undefined)
    if (!event) break
    const r = react(s, event, NOW)
    s = r.station
    all.push(...r.effects)
    for (const e of r.effects) {
      if (e.kind === 'set-timer' && e.timer !== 'heartbeat') {
        const i = timers.indexOf(e.timer)
        if (i >= 0) timers.splice(i, 1)
        timers.push(e.timer)
      }
      if (e.kind === 'clear-timer') {
        const i = timers.indexOf(e.timer)
        if (i >= 0) timers.splice(i, 1)
      }
      if (e.kind !== 'send') continue
      sent.push(e)
      pending.push(reply(e, () => ++txId))
    }
    if (r.effects.some((e) => e.kind === 'finished')) break
  }
  return { station: s, sent, effects: all }
}

function reply(e: Send, nextTx: () => number): StationEvent {
  switch (e.operation) {
    case 'BootNotification':
      return BOOT_ACCEPTED
    case 'Authorize':
      return answer('Authorize', { idTagInfo: { status: 'Accepted' } })
    case 'StartTransaction':
      return answer('StartTransaction', { transactionId: nextTx(), idTagInfo: { status: 'Accepted' } })
    case 'StopTransaction':
      return answer('StopTransaction', {})
    case 'Heartbeat':
      return answer('Heartbeat', { currentTime: NOW })
    default:
      return answer(e.operation as 'StatusNotification', {})
  }
}

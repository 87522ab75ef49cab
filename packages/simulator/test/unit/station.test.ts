import { react, type Send, type Station } from '../../src/index.ts'
import { answer, aStation, BOOT_ACCEPTED, live, NOW, ops, run, sends } from '../support/builders.ts'

/** A burst station that booted, authorized and is charging with transaction 42. */
function charging(): Station {
  return run(aStation(), [
    { type: 'power-on' },
    BOOT_ACCEPTED,
    answer('Authorize', { idTagInfo: { status: 'Accepted' } }),
    answer('StartTransaction', { transactionId: 42, idTagInfo: { status: 'Accepted' } }),
  ]).station
}

describe('react: registration and heartbeats', () => {
  test.each([
    ['power-on sends BootNotification', [{ type: 'power-on' }], ['BootNotification']],
    [
      'Accepted: status, then a burst station plugs in and authorizes',
      [{ type: 'power-on' }, BOOT_ACCEPTED],
      ['BootNotification', 'Status:Available', 'Status:Preparing', 'Authorize'],
    ],
    [
      'Pending: no status, no session; BootNotification again when the timer fires',
      [
        { type: 'power-on' },
        answer('BootNotification', { status: 'Pending', currentTime: NOW, interval: 30 }),
        { type: 'timer', timer: 'boot' },
      ],
      ['BootNotification', 'BootNotification'],
    ],
    [
      'a heartbeat timer sends Heartbeat',
      [{ type: 'power-on' }, BOOT_ACCEPTED, { type: 'timer', timer: 'heartbeat' }],
      ['BootNotification', 'Status:Available', 'Status:Preparing', 'Authorize', 'Heartbeat'],
    ],
    ['a heartbeat timer before acceptance sends nothing', [{ type: 'timer', timer: 'heartbeat' }], []],
  ] as const)('%s', (_name, events, expected) => {
    expect(ops(run(aStation(), events).effects)).toEqual(expected)
  })

  test.each([
    ['Pending with an interval', 'Pending', 30, 30],
    ['Rejected with an interval', 'Rejected', 45, 45],
    ['Rejected with interval 0: the retry fallback', 'Rejected', 0, 30],
  ] as const)('%s: boot timer after %s', (_name, status, interval, afterS) => {
    const { effects } = run(aStation(), [
      { type: 'power-on' },
      answer('BootNotification', { status, currentTime: NOW, interval }),
    ])
    expect(effects).toContainEqual({ kind: 'set-timer', timer: 'boot', afterS })
  })

  test('the interval the central system gives becomes HeartbeatInterval and arms the heartbeat', () => {
    const { station, effects } = run(aStation(), [
      { type: 'power-on' },
      answer('BootNotification', { status: 'Accepted', currentTime: NOW, interval: 120 }),
    ])
    expect(station.config.HeartbeatInterval?.value).toBe('120')
    expect(effects).toContainEqual({ kind: 'set-timer', timer: 'heartbeat', afterS: 120 })
    expect(react(station, { type: 'timer', timer: 'heartbeat' }, NOW).effects).toContainEqual({
      kind: 'set-timer',
      timer: 'heartbeat',
      afterS: 120,
    })
  })

  test('a failed BootNotification is retried after the fallback interval', () => {
    const { effects } = run(aStation(), [
      { type: 'power-on' },
      { type: 'call-failed', operation: 'BootNotification', reason: 'ECONNREFUSED' },
    ])
    expect(effects).toContainEqual({ kind: 'set-timer', timer: 'boot', afterS: 30 })
  })
})

describe('react: a charging session', () => {
  test('StartTransaction carries the id tag and the register as meterStart', () => {
    const s = run(aStation(), [{ type: 'power-on' }, BOOT_ACCEPTED]).station
    const { effects } = react(s, answer('Authorize', { idTagInfo: { status: 'Accepted' } }), NOW)
    expect(sends(effects)).toEqual([
      {
        kind: 'send',
        operation: 'StartTransaction',
        payload: { connectorId: 1, idTag: 'SIM-TAG', timestamp: NOW, meterStart: Math.floor(s.registerWh) },
      },
    ])
  })

  test('Charging after StartTransaction, then meter values with a rising register, then StopTransaction', () => {
    const s0 = charging()
    expect(s0.status).toBe('Charging')
    const { effects } = run(s0, [
      { type: 'timer', timer: 'meter' },
      { type: 'timer', timer: 'meter' },
      { type: 'timer', timer: 'meter' },
    ])
    expect(ops(effects)).toEqual(['MeterValues', 'MeterValues', 'MeterValues', 'StopTransaction'])
    const mvs = sends(effects).filter((e) => e.operation === 'MeterValues')
    const registers = mvs.map((e) => {
      const values = e.operation === 'MeterValues' ? (e.payload.meterValue?.[0]?.sampledValue ?? []) : []
      expect(e.payload).toMatchObject({ connectorId: 1, transactionId: 42 })
      expect(values.map((v) => v.measurand)).toEqual([
        'Energy.Active.Import.Register',
        'Power.Active.Import',
        'Current.Import',
        'Voltage',
        'SoC',
      ])
      return Number(values[0]?.value)
    })
    expect(registers[0]).toBeGreaterThan(s0.session?.meterStartWh ?? Number.POSITIVE_INFINITY)
    expect(registers[1]).toBeGreaterThan(registers[0] ?? 0)
    expect(registers[2]).toBeGreaterThan(registers[1] ?? 0)

    const stop = sends(effects).find((e) => e.operation === 'StopTransaction') as Extract<
      Send,
      { operation: 'StopTransaction' }
    >
    expect(stop.payload).toMatchObject({
      transactionId: 42,
      idTag: 'SIM-TAG',
      meterStop: registers[2],
      reason: 'Local',
    })
    expect(stop.payload.transactionData?.map((mv) => mv.sampledValue[0])).toEqual([
      expect.objectContaining({ value: String(s0.session?.meterStartWh), context: 'Transaction.Begin' }),
      expect.objectContaining({ value: String(registers[2]), context: 'Transaction.End' }),
    ])
  })

  test('after StopTransaction: completed, Finishing, then Available when unplugged, and a burst station is finished', () => {
    const stopping = run(charging(), [
      { type: 'timer', timer: 'meter' },
      { type: 'timer', timer: 'meter' },
      { type: 'timer', timer: 'meter' },
    ]).station
    const { effects } = run(stopping, [answer('StopTransaction', {}), { type: 'timer', timer: 'unplug' }])
    expect(ops(effects)).toEqual(['Status:Finishing', 'Status:Available'])
    expect(effects).toContainEqual({
      kind: 'session-completed',
      transactionId: 42,
      energyWh: Math.floor(stopping.registerWh) - (stopping.session?.meterStartWh ?? 0),
    })
    expect(effects.at(-1)).toEqual({ kind: 'finished' })
  })

  test.each([
    ['a refused tag ends the attempt: Available again, no transaction', 'Authorize', ['Status:Available']],
    [
      'a tag refused at StartTransaction is stopped DeAuthorized',
      'StartTransaction',
      ['StartTransaction', 'StopTransaction'],
    ],
  ] as const)('%s', (_name, where, expected) => {
    const booted = run(aStation(), [{ type: 'power-on' }, BOOT_ACCEPTED]).station
    const events =
      where === 'Authorize'
        ? [answer('Authorize', { idTagInfo: { status: 'Invalid' } })]
        : [
            answer('Authorize', { idTagInfo: { status: 'Accepted' } }),
            answer('StartTransaction', { transactionId: 9, idTagInfo: { status: 'Blocked' } }),
          ]
    const { effects } = run(booted, events)
    expect(ops(effects)).toEqual(expected)
    expect(effects.some((e) => e.kind === 'session-refused')).toBe(true)
    if (where === 'StartTransaction') {
      const stop = sends(effects).find((e) => e.operation === 'StopTransaction')
      expect(stop?.payload).toMatchObject({ transactionId: 9, reason: 'DeAuthorized' })
    }
  })

  test('a failed StartTransaction is not retried in a loop by a burst station', () => {
    const booted = run(aStation(), [{ type: 'power-on' }, BOOT_ACCEPTED]).station
    const { effects } = run(booted, [
      answer('Authorize', { idTagInfo: { status: 'Accepted' } }),
      { type: 'call-failed', operation: 'StartTransaction', reason: 'fault Receiver/InternalError' },
    ])
    expect(ops(effects)).toEqual(['StartTransaction', 'Status:Available'])
    expect(effects.at(-1)).toEqual({ kind: 'finished' })
  })

  test('shutdown stops a running session; an idle station is finished at once', () => {
    expect(ops(react(charging(), { type: 'shutdown' }, NOW).effects)).toEqual(['StopTransaction'])
    const idle = run(aStation({ profile: 'steady' }), [{ type: 'power-on' }, BOOT_ACCEPTED]).station
    expect(react(idle, { type: 'shutdown' }, NOW).effects).toContainEqual({ kind: 'finished' })
  })

  test('steady: a plug-in check starts a session only when the dice say so', () => {
    const never = run(aStation({ profile: 'steady', sessionChance: 0 }), [
      { type: 'power-on' },
      BOOT_ACCEPTED,
      { type: 'timer', timer: 'plug-in' },
    ])
    expect(ops(never.effects)).toEqual(['BootNotification', 'Status:Available'])
    const always = run(aStation({ profile: 'steady', sessionChance: 1 }), [
      { type: 'power-on' },
      BOOT_ACCEPTED,
      { type: 'timer', timer: 'plug-in' },
    ])
    expect(ops(always.effects)).toEqual([
      'BootNotification',
      'Status:Available',
      'Status:Preparing',
      'Authorize',
    ])
    expect(always.effects).toContainEqual({ kind: 'set-timer', timer: 'plug-in', afterS: 60 })
  })

  test('a full burst life: Boot, Status, Authorize, Start, MeterValues x N, Stop, Finishing, Available', () => {
    const { sent, effects } = live(aStation({ sessions: 2, meterValuesPerSession: 2 }))
    const session = [
      'Status:Preparing',
      'Authorize',
      'StartTransaction',
      'Status:Charging',
      'MeterValues',
      'MeterValues',
      'StopTransaction',
      'Status:Finishing',
      'Status:Available',
    ]
    expect(ops(sent)).toEqual(['BootNotification', 'Status:Available', ...session, ...session])
    expect(
      effects
        .filter((e) => e.kind === 'session-completed')
        .map((e) => e.kind === 'session-completed' && e.transactionId),
    ).toEqual([1, 2])
  })
})

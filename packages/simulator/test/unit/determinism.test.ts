import { nextRandom, stationSeed } from '../../src/index.ts'
import { aStation, live } from '../support/builders.ts'

describe('seeded decisions', () => {
  test('the same seed gives the same sequence; another seed another', () => {
    const seq = (seed: number) => {
      let state = seed
      return Array.from({ length: 5 }, () => {
        const r = nextRandom(state)
        state = r.state
        return r.value
      })
    }
    expect(seq(42)).toEqual(seq(42))
    expect(seq(42)).not.toEqual(seq(43))
    for (const v of seq(1)) expect(v >= 0 && v < 1).toBe(true)
  })

  test('station seeds differ per station and per fleet seed', () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => stationSeed(1, i)))
    expect(seeds.size).toBe(1000)
    expect(stationSeed(1, 0)).not.toBe(stationSeed(2, 0))
  })

  test('same fleet seed and index: the same life, message for message', () => {
    const a = live(aStation({ sessions: 2 }, { seed: 11, index: 3 }))
    const b = live(aStation({ sessions: 2 }, { seed: 11, index: 3 }))
    expect(a.sent).toEqual(b.sent)
    expect(a.station).toEqual(b.station)
  })

  test('another seed: another meter (register, power, voltage)', () => {
    const a = live(aStation({}, { seed: 11, index: 3 }))
    const b = live(aStation({}, { seed: 12, index: 3 }))
    const meter = (sent: typeof a.sent) => sent.filter((s) => s.operation === 'MeterValues')
    expect(meter(a.sent)).toHaveLength(3)
    expect(meter(a.sent)).not.toEqual(meter(b.sent))
  })
})

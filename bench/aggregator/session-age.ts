/**
 * Aggregator session-age benchmark (not part of the test run): what does one new meter sample cost the incremental
 * rule on a session still open, as a function of the samples it already holds? A session a station never stops
 * (a lost StopTransaction) keeps receiving MeterValues, and its samples are one jsonb value on its facts row, read,
 * merged and rewritten whole, with the energy spread recomputed before and after, by every batch that names it.
 *
 * Per level N: a session started 30 days before T0 with N samples one minute apart, then `--samples` new samples
 * applied one at a time as a batch would apply them (`applyInputs` with the session's contribution delta), plus
 * the jsonb round trip of its samples (JSON.parse of the stored value, JSON.stringify of the new one). Node's
 * work only: Postgres' share (reading and writing the jsonb, about 20 bytes a sample) comes on top. The same-run
 * baseline is the first level: `ratio` is the time per sample at N over the baseline's.
 *
 *   pnpm bench:aggregator:session-age [--levels 100,1000,10000,43200] [--samples 50]
 *
 * JSON report to stdout and bench/results/aggregator-session-age-<time>.json; progress to stderr.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createBucketingsOf } from '../../services/aggregator/src/domain/bucketings.ts'
import {
  applyInputs,
  mergeSessionInput,
  type SessionEntity,
  sessionEntityContribution,
} from '../../services/aggregator/src/domain/entities.ts'
import { contributionDelta } from '../../services/aggregator/src/domain/incremental.ts'
import { samplesInOrder, sessionFactsOf } from '../../services/aggregator/src/domain/session-rollup.ts'

const { values: args } = parseArgs({
  options: {
    levels: { type: 'string', default: '100,1000,10000,43200' },
    samples: { type: 'string', default: '50' },
  },
})
const LEVELS = String(args.levels).split(',').map(Number)
const SAMPLES = Number(args.samples)
const progress = (msg: string) => process.stderr.write(`[bench-aggregator-session-age] ${msg}\n`)
const MIN = 60_000
const T0 = Date.parse('2026-06-01T00:00:00Z')
const ZONE = 'Europe/Berlin'
const bucketingsOf = createBucketingsOf()
const delta = contributionDelta((e: SessionEntity) => sessionEntityContribution(e, bucketingsOf))

/** An open session started 30 days before T0 whose register rose 10 Wh a minute, `n` samples one minute apart. */
function openSession(n: number): SessionEntity {
  const startedAt = T0 - 30 * 24 * 60 * MIN
  const facts = sessionFactsOf([
    { kind: 'start', startedAt, meterStartWh: 0 },
    ...Array.from({ length: n }, (_, i) => ({
      kind: 'sample' as const,
      at: startedAt + (i + 1) * MIN,
      registerWh: (i + 1) * 10,
    })),
  ])
  return { stationId: 'CP-1', transactionId: 1, connectorId: 1, idTag: 'TAG', facts, timeZone: ZONE }
}

/** Milliseconds per new sample at level `n` (after one unmeasured sample: the JIT warms up on the first level). */
function measure(n: number): { msPerSample: number; storedBytes: number } {
  let entity = openSession(n)
  let stored = JSON.stringify(samplesInOrder(entity.facts))
  const storedBytes = stored.length
  const apply = (k: number) => {
    const at = T0 + k * MIN
    JSON.parse(stored)
    const step = applyInputs(
      entity,
      [{ facts: [{ kind: 'sample', at, registerWh: (n + 1 + k) * 10 }], timeZone: ZONE }],
      mergeSessionInput,
      delta,
    )
    if (!step.changed || step.delta.size === 0) throw new Error(`level ${n}: a new sample changed nothing`)
    entity = step.entity
    stored = JSON.stringify(samplesInOrder(entity.facts))
  }
  apply(0)
  const t0 = performance.now()
  for (let k = 1; k <= SAMPLES; k++) apply(k)
  return { msPerSample: (performance.now() - t0) / SAMPLES, storedBytes }
}

const levels: { samples: number; msPerSample: number; storedBytes: number; ratio: number }[] = []
for (const n of LEVELS) {
  const { msPerSample, storedBytes } = measure(n)
  const ratio = msPerSample / (levels[0]?.msPerSample ?? msPerSample)
  levels.push({
    samples: n,
    msPerSample: Number(msPerSample.toFixed(3)),
    storedBytes,
    ratio: Number(ratio.toFixed(1)),
  })
  progress(
    `${n} samples: ${msPerSample.toFixed(3)} ms of Node per new sample (${storedBytes} bytes of samples)`,
  )
}
const report = {
  bench: 'aggregator-session-age',
  at: new Date().toISOString(),
  node: process.version,
  samplesPerLevel: SAMPLES,
  levels,
}
const out = JSON.stringify(report, null, 2)
process.stdout.write(`${out}\n`)
const dir = join(import.meta.dirname, '..', 'results')
mkdirSync(dir, { recursive: true })
writeFileSync(join(dir, `aggregator-session-age-${Date.now()}.json`), out)

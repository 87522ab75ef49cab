import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectBus } from '@chargebus/bus'
import { allStreams } from '@chargebus/events'
import { pino } from 'pino'
import {
  type MetricFamily,
  parsePrometheusText,
} from '../../packages/platform/test/support/prometheus-text.ts'
import { allQueries, isExporterMetric, metricNamesOf } from '../../scripts/observability/queries.ts'
import { freePort } from '../support/cp-server.ts'
import { eventually } from '../support/eventually.ts'
import { NATS_URL, uniqueNamespace } from '../support/nats.ts'
import {
  SERVICES,
  type ServiceName,
  type ServiceProcess,
  startServiceProcess,
} from '../support/service-process.ts'

/*
 * The dashboard (docker/grafana/dashboards) and the alert rules (docker/prometheus/alerts*.yml) query metrics
 * by name: a renamed or dropped metric would leave a panel empty and an alert silent, with no error anywhere.
 * Here every service runs as its own process (as production runs it) and every name those files query must be
 * on some service's /metrics, except what Prometheus and the exporters provide (`isExporterMetric`).
 */

const SLOW = 90_000

/** The family a queried sample name belongs to: a histogram's `_bucket`, `_sum` and `_count` are its own. */
function familyOf(name: string, families: ReadonlyMap<string, MetricFamily>): MetricFamily | undefined {
  const direct = families.get(name)
  if (direct) return direct
  const base = name.replace(/_(bucket|sum|count)$/, '')
  const family = families.get(base)
  return family && (family.type === 'histogram' || family.type === 'summary') ? family : undefined
}

describe('metricNamesOf (the names a PromQL expression selects)', () => {
  test.each([
    [
      'sum by (action, outcome) (rate(ocpp_gateway_requests_total[$__rate_interval]))',
      ['ocpp_gateway_requests_total'],
    ],
    [
      'histogram_quantile(0.95, sum by (le) (rate(x_seconds_bucket{job="api",route=~"/v1/.+"}[5m])))',
      ['x_seconds_bucket'],
    ],
    ['a / clamp_min(sum(rate(b[5m])), 1e-9) > 0.05 and on (job) c offset 15m', ['a', 'b', 'c']],
    ['max(m{state="online"}) < 0.8 * max(max_over_time(m{state="online"}[1h] offset 15m))', ['m']],
    ['sum(rate(y[5m])) by (job) unless ignoring (pool) z', ['y', 'z']],
  ])('%s', (expr, names) => {
    expect(metricNamesOf(expr).sort()).toEqual([...names].sort())
  })
})

describe('every metric the dashboard and the alert rules query, on the running services', () => {
  const namespace = uniqueNamespace('obs')
  const storage = mkdtempSync(join(tmpdir(), 'obs-storage-'))
  const running = new Map<ServiceName, ServiceProcess>()

  beforeAll(async () => {
    const env = { BUS_NAMESPACE: namespace, STORAGE_URL: storage }
    const passive = String(await freePort())
    const extra: Partial<Record<ServiceName, Record<string, string>>> = {
      'ftp-ingest': { FTP_PORT: '0', FTP_PASSIVE_MIN_PORT: passive, FTP_PASSIVE_MAX_PORT: passive },
    }
    // One after the other: the first creates the streams, and two cores are shared with other suites.
    for (const service of SERVICES)
      running.set(service, await startServiceProcess(service, { ...env, ...extra[service] }))
    // Ready: consumers started and the first scrape-time reads possible.
    for (const [service, p] of running)
      await eventually(async () => (await fetch(`${p.url}/readyz`)).ok, 30_000).catch(() => {
        throw new Error(`${service} not ready:\n${p.output().slice(-3000)}`)
      })
  }, SLOW)

  afterAll(async () => {
    await Promise.allSettled([...running.values()].map((p) => p.stop()))
    const bus = await connectBus({
      servers: NATS_URL,
      name: 'obs-cleanup',
      namespace,
      logger: pino({ level: 'silent' }),
    })
    await bus.deleteNamespace().catch(() => {})
    await bus.close()
    rmSync(storage, { recursive: true, force: true })
  }, SLOW)

  async function scrape(): Promise<Map<ServiceName, Map<string, MetricFamily>>> {
    const out = new Map<ServiceName, Map<string, MetricFamily>>()
    for (const [service, p] of running) out.set(service, parsePrometheusText(await p.metrics()))
    return out
  }

  test(
    'each name is exported by at least one service',
    async () => {
      const queries = allQueries()
      expect(queries.length).toBeGreaterThan(20)
      const scraped = await scrape()
      const missing: string[] = []
      for (const q of queries)
        for (const name of metricNamesOf(q.expr)) {
          if (isExporterMetric(name)) continue
          if (![...scraped.values()].some((families) => familyOf(name, families)))
            missing.push(`${name} (${q.where})`)
        }
      expect(missing).toEqual([])
    },
    SLOW,
  )

  test(
    'the scrape-time gauges have their series: stream usage, consumer lag, pool, stations, commands',
    async () => {
      // Read at scrape time (cached a few seconds): polled until the first reads have landed.
      const expected = {
        streams: allStreams.map((s) => s.name).sort(),
        ingestConsumerStreams: ['OCPP_IN'],
        stationStates: ['never_seen', 'offline', 'online'],
        commandStatuses: 6,
        servicesWithPool: SERVICES.filter((s) => s !== 'archiver') as ServiceName[],
      }
      let seen: typeof expected | undefined
      const matches = async () => {
        const scraped = await scrape()
        const samples = (service: ServiceName, name: string) => scraped.get(service)?.get(name)?.samples ?? []
        const labels = (service: ServiceName, name: string, label: string) =>
          [...new Set(samples(service, name).map((x) => x.labels[label] ?? ''))].sort()
        seen = {
          streams: labels('api', 'chargebus_bus_stream_usage_ratio', 'stream'),
          ingestConsumerStreams: labels('ingest', 'chargebus_bus_consumer_lag_seconds', 'stream').filter(
            (x) => x === 'OCPP_IN',
          ),
          stationStates: labels('api', 'chargebus_stations', 'state'),
          commandStatuses: samples('api', 'chargebus_commands').length,
          servicesWithPool: SERVICES.filter((s) =>
            samples(s, 'chargebus_db_pool_connections').some((x) => x.labels.pool === 'main'),
          ),
        }
        return JSON.stringify(seen) === JSON.stringify(expected)
      }
      await eventually(matches, 20_000).catch(() => {})
      expect(seen).toEqual(expected)
    },
    SLOW,
  )
})

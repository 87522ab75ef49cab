import { randomUUID } from 'node:crypto'
import type { Database, Kysely } from '@chargebus/db'
import { COMMAND_TEST_ENV, uniqueStation } from '../../services/ocpp-gateway/test/support/command-gateway.ts'
import { envelope } from '../../services/ocpp-gateway/test/support/gateway.ts'
import { type CpServer, startCpServer } from '../support/cp-server.ts'
import { testDb } from '../support/database.ts'
import { eventually } from '../support/eventually.ts'
import { uniqueNamespace } from '../support/nats.ts'
import {
  attributeOf,
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
} from '../support/otlp-receiver.ts'
import { type ServiceProcess, startServiceProcess } from '../support/service-process.ts'

/*
 * One trace across real processes: the gateway, ingest and api run as production runs them (`node
 * services/<name>/src/main.ts`, tracing on through OTEL_* variables), and export OTLP/JSON to a receiver in this
 * process. Auto-instrumentation records nothing inside jest, which is why nothing here is built in-process.
 *   1. a station's BootNotification: gateway SOAP span -> publish -> ingest consume -> SQL on stations;
 *   2. an API command to that station: API request -> publish -> gateway consume -> outbound SOAP call.
 * The processes are stopped (SIGTERM flushes their spans) before the spans are read.
 */

const SLOW = 90_000
const SPAN_KIND = { server: 2, client: 3, producer: 4, consumer: 5 } as const

const namespace = uniqueNamespace('trace')
const station = uniqueStation('TRACE')
let receiver: OtlpReceiver
let cp: CpServer
let db: Kysely<Database>
let gateway: ServiceProcess
let api: ServiceProcess
const services: ServiceProcess[] = []

beforeAll(async () => {
  receiver = await startOtlpReceiver()
  cp = await startCpServer({ id: station, version: '1.6' })
  db = testDb({ poolSize: 1, applicationName: 'trace-test' })
  const common = {
    BUS_NAMESPACE: namespace,
    LOG_LEVEL: 'warn',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // every trace: this test is about propagation, not the ratio (sampling has its own tests)
    OTEL_TRACES_SAMPLER_ARG: '1',
  }
  // ingest first: it declares the streams and its consumer before the gateway publishes
  services.push(await startServiceProcess('ingest', common))
  gateway = await startServiceProcess('ocpp-gateway', {
    ...common,
    ...COMMAND_TEST_ENV,
    OCPP_REGISTRATION: 'accept-all',
  })
  services.push(gateway)
  api = await startServiceProcess('api', { ...common, NODE_ENV: 'development' })
  services.push(api)
}, SLOW)

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()))
  await cp?.stop()
  await db?.destroy()
  await receiver?.close()
}, SLOW)

/** Spans of one trace, and a check that `child` descends from `ancestor` through exported spans. */
function traceOf(spans: ReceivedSpan[], traceId: string) {
  const inTrace = spans.filter((s) => s.span.traceId === traceId)
  const byId = new Map(inTrace.map((s) => [s.span.spanId, s]))
  const descends = (child: ReceivedSpan, ancestor: ReceivedSpan) => {
    for (let s: ReceivedSpan | undefined = child; s !== undefined; ) {
      if (s.span.parentSpanId === ancestor.span.spanId) return true
      s = s.span.parentSpanId === undefined ? undefined : byId.get(s.span.parentSpanId)
    }
    return false
  }
  return { inTrace, descends }
}

const describeSpans = (spans: ReceivedSpan[]) =>
  spans
    .map((s) => `${s.service} ${s.scope} ${s.span.name} (${s.span.spanId} <- ${s.span.parentSpanId})`)
    .join('\n')

test(
  'a station message and a command to the station each stay in one trace across the services',
  async () => {
    // 1. The station boots, naming its ChargePointService (cp_server.py) as its callback address.
    const { xml, messageId } = envelope({
      identity: station,
      from: `${cp.url}/ocpp/cp/${station}`,
      body: boot,
    })
    const res = await fetch(`${gateway.url}/ocpp/1.6`, {
      method: 'POST',
      headers: { 'content-type': 'application/soap+xml' },
      body: xml,
    })
    expect(res.status).toBe(200)
    await eventually(async () => {
      const row = await db
        .selectFrom('stations')
        .select('endpoint_url')
        .where('id', '=', station)
        .executeTakeFirst()
      return row?.endpoint_url === `${cp.url}/ocpp/cp/${station}`
    }, 30_000)

    // 2. A command through the API; the gateway calls the station.
    const command = await fetch(`${api.url}/v1/stations/${station}/commands`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-admin-key', 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'ClearCache', idempotencyKey: randomUUID() }),
    })
    expect(command.status).toBeLessThan(300)
    const { id: commandId } = (await command.json()) as { id: string }
    await eventually(() => cp.calls().some((c) => c.op === 'ClearCache'), 30_000)
    await eventually(async () => {
      const row = await db
        .selectFrom('commands')
        .select('status')
        .where('id', '=', commandId)
        .executeTakeFirst()
      return row?.status === 'accepted'
    }, 30_000)

    // SIGTERM flushes each process's spans to the receiver.
    await Promise.all(services.map((s) => s.stop()))
    const spans = receiver.spans()

    // 1. gateway SOAP span -> publish -> ingest consume -> SQL
    const soap = spans.find(
      (s) =>
        s.service === 'ocpp-gateway' &&
        attributeOf(s.span, 'ocpp.station_id')?.stringValue === station &&
        attributeOf(s.span, 'ocpp.action')?.stringValue === 'BootNotification',
    )
    expect(soap).toBeDefined()
    if (soap === undefined) return
    expect(attributeOf(soap.span, 'ocpp.message_id')).toEqual({ stringValue: messageId })
    const first = traceOf(spans, soap.span.traceId)
    const context = describeSpans(first.inTrace)
    const publish = first.inTrace.find(
      (s) => s.service === 'ocpp-gateway' && s.span.kind === SPAN_KIND.producer && first.descends(s, soap),
    )
    expect({ publish: publish?.span.name, context }).toMatchObject({
      publish: expect.stringMatching(/^publish /),
    })
    const consume = first.inTrace.find(
      (s) =>
        s.service === 'ingest' && s.span.kind === SPAN_KIND.consumer && publish && first.descends(s, publish),
    )
    expect({ consume: consume?.span.name, context }).toMatchObject({ consume: expect.any(String) })
    const sqlOnStations = first.inTrace.filter(
      (s) =>
        s.service === 'ingest' &&
        s.scope === '@opentelemetry/instrumentation-pg' &&
        consume !== undefined &&
        first.descends(s, consume) &&
        /stations/i.test(
          String(
            attributeOf(s.span, 'db.query.text')?.stringValue ??
              attributeOf(s.span, 'db.statement')?.stringValue,
          ),
        ),
    )
    expect({ sql: sqlOnStations.length > 0, context }).toMatchObject({ sql: true })

    // 2. API request -> publish -> gateway consume -> outbound SOAP call
    const request = spans.find(
      (s) =>
        s.service === 'api' &&
        s.span.kind === SPAN_KIND.server &&
        attributeOf(s.span, 'http.route')?.stringValue?.toString().endsWith('/commands') === true,
    )
    expect(request).toBeDefined()
    if (request === undefined) return
    const second = traceOf(spans, request.span.traceId)
    const context2 = describeSpans(second.inTrace)
    const outbound = second.inTrace.find(
      (s) =>
        s.service === 'ocpp-gateway' &&
        s.span.kind === SPAN_KIND.client &&
        s.scope === '@opentelemetry/instrumentation-undici' &&
        second.descends(s, request),
    )
    expect({ outbound: outbound?.span.name, context: context2 }).toMatchObject({
      outbound: expect.any(String),
    })
    expect(second.inTrace.some((s) => s.service === 'api' && s.span.kind === SPAN_KIND.producer)).toBe(true)
    expect(
      second.inTrace.some((s) => s.service === 'ocpp-gateway' && s.span.kind === SPAN_KIND.consumer),
    ).toBe(true)
  },
  SLOW,
)

const boot =
  '<cs:bootNotificationRequest><cs:chargePointVendor>ACME</cs:chargePointVendor>' +
  '<cs:chargePointModel>Trace-1</cs:chargePointModel></cs:bootNotificationRequest>'

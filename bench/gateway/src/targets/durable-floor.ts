/**
 * Baseline target "floor": what durable publishing alone costs, with no SOAP work. Bare Fastify takes the same
 * SOAP request bodies as the gateway (read as a string, same media types), stores a prebuilt OCPP_IN message of
 * the gateway's size through the gateway's own publish path (`@chargebus/bus`: event check, headers, coalesced
 * write, PubAck awaited), then answers a fixed SOAP reply. The gateway does all of this plus decode, the
 * OCPP answer and encode, so floor/fastify bounds gateway/fastify on the same machine.
 *
 * Env: PORT, NATS_URL, BUS_NAMESPACE (the bench gives it a namespace of its own).
 */
import { connectBus, streamLimitsFrom } from '@chargebus/bus'
import { type EventData, OcppMessageReceived, Streams } from '@chargebus/events'
import Fastify from 'fastify'
import pino from 'pino'

const port = Number(process.env.PORT ?? 3904)
const natsUrl = process.env.NATS_URL
if (!natsUrl) throw new Error('NATS_URL is not set')
const STATIONS = 200

const bus = await connectBus({
  servers: natsUrl,
  name: 'bench-floor',
  namespace: process.env.BUS_NAMESPACE ?? 'bench-floor',
  logger: pino({ level: 'warn' }),
  // The stream the gateway's bench process declares (NODE_ENV=production, 4 GiB: nats-server 2.9 reserves
  // max_bytes up front). Until 2026-12-07 this target capped the development limit instead, a 64 MiB OCPP_IN that
  // filled in seconds and then evicted its oldest messages on every publish: about 49 us of nats-server CPU per
  // stored message against the gateway's 13 in the same rounds.
  streamLimits: streamLimitsFrom({ NODE_ENV: 'production', BUS_STREAM_OCPP_IN_MAX_BYTES: '4GiB' }),
})
await bus.ensureStreams([Streams.OCPP_IN])

// The gateway's stored MeterValues message (~700 B of JSON), one per simulated station.
const messages: EventData<typeof OcppMessageReceived>[] = Array.from({ length: STATIONS }, (_, i) => ({
  stationId: `BENCH-${String(i + 1).padStart(4, '0')}`,
  ocppVersion: '1.6',
  action: 'MeterValues',
  messageId: 'urn:uuid:00000000-0000-4000-8000-000000000000',
  receivedAt: new Date().toISOString(),
  from: `http://10.20.0.17:8080/ocpp/cp/BENCH-${String(i + 1).padStart(4, '0')}`,
  payload: {
    connectorId: 1,
    transactionId: 1042,
    meterValue: [
      {
        timestamp: new Date().toISOString(),
        sampledValue: [
          {
            value: '152340',
            context: 'Sample.Periodic',
            measurand: 'Energy.Active.Import.Register',
            location: 'Outlet',
            unit: 'Wh',
          },
          { value: '7360', context: 'Sample.Periodic', measurand: 'Power.Active.Import', unit: 'W' },
        ],
      },
    ],
  },
  response: {},
  quirks: [],
}))
const REPLY =
  '<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope">' +
  '<soap:Body><meterValuesResponse xmlns="urn://Ocpp/Cs/2015/10/"/></soap:Body></soap:Envelope>'
const runId = process.pid.toString(36)
let sequence = 0

const app = Fastify({ logger: false })
app.removeAllContentTypeParsers()
app.addContentTypeParser(
  ['application/soap+xml', 'text/xml', 'application/xml'],
  { parseAs: 'string', bodyLimit: 256 * 1024 },
  (_req, body, done) => done(null, body),
)
app.get('/healthz', async () => ({ ok: true }))
app.post('/ocpp/1.6', async (_request, reply) => {
  const n = ++sequence
  const message = messages[n % STATIONS] as EventData<typeof OcppMessageReceived>
  await bus.publish(OcppMessageReceived, message, { msgId: `${runId}-${n}` })
  return reply.header('content-type', 'application/soap+xml; charset=utf-8').send(REPLY)
})

await app.listen({ host: '127.0.0.1', port })
process.stdout.write(`ready ${port}\n`)
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => void app.close().then(() => bus.close().then(() => process.exit(0))))

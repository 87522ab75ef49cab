import { randomBytes, randomUUID } from 'node:crypto'
import { Readable, Writable } from 'node:stream'
import { insertFirmwareImage } from '@chargebus/db'
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { basicFtp, startTestEdge, type TestEdge } from '../support/ftp-edge.ts'

/*
 * One span per FTP transfer (STOR, RETR), with the work it causes as children: the publish of
 * `ftp.file.received` continues the upload's trace. Auto-instrumentation records nothing inside jest, so the
 * manual spans are read from an in-memory exporter (the cross-process proof is test/integration at the root).
 */

const SLOW = 60_000
const exporter = new InMemorySpanExporter()
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
let edge: TestEdge

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  trace.setGlobalTracerProvider(provider)
  edge = await startTestEdge({ FTP_LOGIN_MAX_FAILURES: '1000' })
  await edge.addStation('CP-SPAN', 'station-password')
}, SLOW)

afterAll(async () => {
  await edge?.close()
  await provider.shutdown()
  trace.disable()
  context.disable()
})

async function spansNamed(name: string): Promise<ReadableSpan[]> {
  await provider.forceFlush()
  return exporter.getFinishedSpans().filter((s) => s.name === name)
}

test(
  'an upload is one `ftp STOR` span, outcome and size recorded, and its ftp.file.received publish is its child',
  async () => {
    const body = randomBytes(4096)
    const client = await basicFtp(edge.port, 'CP-SPAN', 'station-password')
    try {
      await client.uploadFrom(Readable.from([body]), 'diag-span.log')
      // A refused name is answered (553) and recorded, but is not an error of the service.
      await expect(client.uploadFrom(Readable.from([body]), '../escape.log')).rejects.toThrow()
    } finally {
      client.close()
    }
    const stor = await spansNamed('ftp STOR')
    const stored = stor.find((s) => s.attributes['ftp.outcome'] === 'stored')
    expect(stored?.kind).toBe(SpanKind.SERVER)
    expect(stored?.attributes).toMatchObject({
      'ftp.command': 'STOR',
      'ocpp.station_id': 'CP-SPAN',
      'ftp.file.name': 'diag-span.log',
      'ftp.transfer.bytes': body.length,
    })
    expect(stored?.status.code).not.toBe(SpanStatusCode.ERROR)
    const publish = (await spansNamed('publish ftp.file.received')).find(
      (s) => s.spanContext().traceId === stored?.spanContext().traceId,
    )
    expect(publish?.parentSpanContext?.spanId).toBe(stored?.spanContext().spanId)

    const refused = stor.find((s) => s.attributes['ftp.outcome'] === 'bad-name')
    expect(refused?.status.code).not.toBe(SpanStatusCode.ERROR)
  },
  SLOW,
)

test(
  'a firmware download is one `ftp RETR` span with its outcome',
  async () => {
    const image = randomBytes(64 * 1024)
    const put = await edge.deps.storage.put('firmware/fw-span.bin', Readable.from([image]))
    await insertFirmwareImage(edge.deps.db, {
      id: randomUUID(),
      name: 'fw-span.bin',
      version: '1',
      size: put.size,
      sha256: put.sha256,
      objectKey: put.key,
      createdAt: edge.deps.clock(),
      description: null,
    })
    const grant = await edge.grant({
      stationId: 'CP-SPAN',
      commandId: randomUUID(),
      access: 'download',
      fileName: 'fw-span.bin',
    })
    const client = await basicFtp(edge.port, grant.user, grant.password)
    let received = 0
    try {
      await client.downloadTo(
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            received += chunk.length
            done()
          },
        }),
        'fw-span.bin',
      )
    } finally {
      client.close()
    }
    expect(received).toBe(image.length)
    const [retr] = await spansNamed('ftp RETR')
    expect(retr?.attributes).toMatchObject({
      'ftp.command': 'RETR',
      'ocpp.station_id': 'CP-SPAN',
      'ftp.file.name': 'fw-span.bin',
      'ftp.outcome': 'complete',
    })
  },
  SLOW,
)

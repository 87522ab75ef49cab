import { connect } from 'node:net'
import { envelope, startTestGateway, type TestGateway, textOf } from '../support/gateway.ts'

/* A real listening server and raw sockets: what embedded station HTTP stacks send. */

let gw: TestGateway
let port: number

beforeAll(async () => {
  gw = await startTestGateway()
  await gw.app.listen({ host: '127.0.0.1', port: 0 })
  port = (gw.app.server.address() as { port: number }).port
}, 30_000)
afterAll(() => gw?.close())

/** Sends raw bytes, resolves with everything the server sent until it closed the connection. */
function raw(request: string | Buffer[], opts: { closeAfterMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    socket.on('data', (c) => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
    socket.on('connect', async () => {
      if (typeof request === 'string') socket.write(request)
      else
        for (const part of request) {
          socket.write(part)
          await new Promise((r) => setTimeout(r, 5))
        }
      if (opts.closeAfterMs !== undefined) setTimeout(() => socket.end(), opts.closeAfterMs)
    })
  })
}

test('the idle keep-alive timeout is at least 65 s (72 s default)', () => {
  expect(gw.app.server.keepAliveTimeout).toBe(72_000)
})

test('an HTTP/1.0 request with Content-Length is answered and the connection closed', async () => {
  const { xml, messageId } = envelope({ identity: 'CP-http10', body: '<cs:heartbeatRequest/>' })
  const body = Buffer.from(xml)
  const response = await raw(
    `POST /ocpp/1.6 HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/soap+xml; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${xml}`,
  )
  expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
  expect(response).toMatch(/content-length: \d+/i)
  expect(textOf(response, 'RelatesTo')).toBe(messageId)
  expect((await gw.stored()).filter((m) => m.data.stationId === 'CP-http10')).toHaveLength(1)
})

test('a chunked HTTP/1.1 body sent in pieces is answered', async () => {
  const { xml, messageId } = envelope({ identity: 'CP-chunked', body: '<cs:heartbeatRequest/>' })
  const parts = [xml.slice(0, 100), xml.slice(100, 333), xml.slice(333)]
  const head =
    'POST /ocpp/1.6 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/soap+xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
  const chunks = [
    Buffer.from(head),
    ...parts.map((p) => Buffer.from(`${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`)),
    Buffer.from('0\r\n\r\n'),
  ]
  const response = await raw(chunks)
  expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
  expect(textOf(response, 'RelatesTo')).toBe(messageId)
})

test('Expect: 100-continue (libcurl-based stacks): 100 Continue first, then the answer', async () => {
  const { xml, messageId } = envelope({ identity: 'CP-continue', body: '<cs:heartbeatRequest/>' })
  const head =
    'POST /ocpp/1.6 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/soap+xml\r\n' +
    `Content-Length: ${Buffer.byteLength(xml)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`
  const response = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    let seen = ''
    let sentBody = false
    socket.on('data', (c) => {
      seen += c.toString('utf8')
      // the body goes only after the interim response, as curl does
      if (!sentBody && seen.includes('\r\n\r\n')) {
        sentBody = true
        socket.write(xml)
      }
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(seen))
    socket.on('connect', () => socket.write(head))
  })
  expect(response).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/)
  expect(textOf(response, 'RelatesTo')).toBe(messageId)
})

test('keep-alive: two requests on one connection', async () => {
  const a = envelope({ identity: 'CP-ka', body: '<cs:heartbeatRequest/>' })
  const b = envelope({ identity: 'CP-ka', body: '<cs:heartbeatRequest/>' })
  const req = (xml: string, close: boolean) =>
    `POST /ocpp/1.6 HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\nContent-Length: ${Buffer.byteLength(xml)}\r\n${close ? 'Connection: close\r\n' : ''}\r\n${xml}`
  const response = await raw(req(a.xml, false) + req(b.xml, true))
  expect(response.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2)
  expect(response).toContain(a.messageId)
  expect(response).toContain(b.messageId)
})

test('a body over the limit, streamed without Content-Length, gets a fault', async () => {
  const huge = `<x>${'a'.repeat(600 * 1024)}</x>`
  const head =
    'POST /ocpp/1.6 HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
  const response = await raw([
    Buffer.from(head),
    Buffer.from(`${Buffer.byteLength(huge).toString(16)}\r\n${huge}\r\n0\r\n\r\n`),
  ])
  expect(response).toMatch(/^HTTP\/1\.1 413/)
  expect(response).toContain('exceeds 524288 bytes')
})

test.each([
  ['/ocpp/1.6/', '1.6'],
  ['/ocpp/1.6/CP-PATH-1', '1.6'],
  ['/ocpp/1.5/CentralSystemService', '1.5'],
  ['/ocpp/CentralSystemService', '1.6'],
] as const)('what stations append to the endpoint is ignored: %s', async (path, version) => {
  const { xml } = envelope({ identity: 'CP-PATH-1', version, body: '<cs:heartbeatRequest/>' })
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
    body: xml,
  })
  expect(res.status).toBe(200)
  expect(await res.text()).toContain('heartbeatResponse')
})

test('the endpoint under an appended path still serves only its version', async () => {
  const { xml } = envelope({ identity: 'CP-PATH-1', version: '1.6', body: '<cs:heartbeatRequest/>' })
  const res = await fetch(`http://127.0.0.1:${port}/ocpp/1.5/CP-PATH-1`, {
    method: 'POST',
    headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
    body: xml,
  })
  expect(res.status).toBe(400)
  expect(textOf(await res.text(), 'Text')).toMatch(/OCPP 1.6 message on an OCPP 1.5 endpoint/)
})

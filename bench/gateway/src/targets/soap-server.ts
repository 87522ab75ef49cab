/**
 * Reference target: a minimal server built with the `soap` npm package (1.13), set up as in
 * shared/tools/ocpp-station/README.md (SOAP 1.2 replies via forceSoap12Headers, a per-request WS-Addressing
 * header function that also fixes the reply Content-Type, trivial handlers returning schema-ordered replies with
 * ISO string dates), serving our own WSDL from `centralSystemWsdl('1.6', url)`. Env: PORT.
 */
import http from 'node:http'
import { centralSystemWsdl } from '@chargebus/ocpp'
import * as soap from 'soap'

const port = Number(process.env.PORT ?? 3902)
const path = '/ocpp/1.6'
const WSA = 'http://www.w3.org/2005/08/addressing'

type Callback = (result: unknown) => void
const text = (v: unknown): string | undefined =>
  v && typeof v === 'object' ? (v as { $value?: string }).$value : (v as string | undefined)

const now = () => new Date().toISOString()
const handlers: Record<string, (args: unknown, cb?: Callback, headers?: unknown) => unknown> = {
  BootNotification: () => ({ status: 'Accepted', currentTime: now(), interval: 300 }),
  Heartbeat: () => ({ currentTime: now() }),
  MeterValues: () => ({}),
  StatusNotification: () => ({}),
  Authorize: () => ({ idTagInfo: { status: 'Accepted' } }),
}

const services = { CentralSystemService: { CentralSystemServiceSoap12: handlers } }
const server = http.createServer((_req, res) => {
  res.statusCode = 404
  res.end()
})
const wsdl = centralSystemWsdl('1.6', `http://127.0.0.1:${port}${path}`)
const srv = soap.listen(server, { path, services, xml: wsdl, forceSoap12Headers: true })
srv.addSoapHeader(
  (
    methodName: string,
    _args: unknown,
    headers: Record<string, unknown> | null,
    _req: unknown,
    res: http.ServerResponse,
  ) => {
    const action = text(headers?.Action) ?? `/${methodName}`
    res.setHeader('Content-Type', `application/soap+xml; charset=utf-8; action="${action}Response"`)
    const mid = text(headers?.MessageID)
    return (
      `<wsa:Action xmlns:wsa="${WSA}">${action}Response</wsa:Action>` +
      (mid ? `<wsa:RelatesTo xmlns:wsa="${WSA}">${mid}</wsa:RelatesTo>` : '') +
      `<wsa:To xmlns:wsa="${WSA}">${WSA}/anonymous</wsa:To>`
    )
  },
)

server.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${port}\n`))
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => server.close(() => process.exit(0)).closeAllConnections())

import http from 'node:http'
import { hostname } from 'node:os'
import {
  type CpOperation,
  type CpResponse,
  chargePointWsdl,
  decodeCpRequest,
  encodeCpResponse,
  encodeFault,
  faultForError,
  fromV16CpResponse,
  type OcppVersion,
  type SoapVersion,
  toV16CpRequest,
} from '@chargebus/ocpp'
import type { Command } from '../domain/commands.ts'
import { SimulatorListenError } from '../errors.ts'

/** Answers a command for a station of the fleet (1.6 in, 1.6 out); undefined when no such station runs. */
export type CommandHandler = (
  stationId: string,
  command: Command,
) => CpResponse<'1.6', CpOperation<'1.6'>> | undefined

export interface CpServerOptions {
  readonly host: string
  readonly port: number
  readonly ocppVersion: OcppVersion
  readonly onCommand: CommandHandler
}

export interface CpServer {
  /** The ChargePointService URL of one station (its wsa:From). */
  urlOf(stationId: string): string
  readonly baseUrl: string
  close(): Promise<void>
}

const BODY_LIMIT = 512 * 1024
export const CP_PATH = '/cp/'

/**
 * One HTTP server for the whole fleet's ChargePointService: `POST /cp/<station id>` with a SOAP 1.2 call, decoded
 * strictly (`decodeCpRequest`), answered by the station's model, encoded with `encodeCpResponse`; SOAP faults for
 * bad input, an unknown station or an identity that does not match the path. `GET /cp/<id>?wsdl` serves the WSDL.
 *
 * ### Examples
 * ```ts
 * const server = await startCpServer({ host: '127.0.0.1', port: 0, ocppVersion: '1.6', onCommand })
 * server.urlOf('SIM-00001') // 'http://127.0.0.1:41234/cp/SIM-00001'
 * ```
 */
export async function startCpServer(opts: CpServerOptions): Promise<CpServer> {
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  // Central systems keep connections to stations open between calls.
  server.keepAliveTimeout = 75_000

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x')
    if (!url.pathname.startsWith(CP_PATH)) return plain(res, 404, 'not found')
    const stationId = decodeURIComponent(url.pathname.slice(CP_PATH.length))
    if (req.method === 'GET' && url.searchParams.has('wsdl')) {
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' })
      res.end(chargePointWsdl(opts.ocppVersion, urlOf(stationId)))
      return
    }
    if (req.method !== 'POST') return plain(res, 405, 'POST a SOAP request')
    const body = await readBody(req)
    if (body === undefined) return plain(res, 413, 'body too large')
    const soapVersion: SoapVersion = req.headers['content-type']?.startsWith('text/xml') ? '1.1' : '1.2'
    let relatesTo: string | undefined
    try {
      const call = decodeCpRequest(body, { expectedVersion: opts.ocppVersion })
      relatesTo = call.addressing.messageId
      if (call.chargeBoxIdentity !== stationId) {
        return send(
          res,
          encodeFault({
            soapVersion: call.soapVersion,
            code: 'Sender',
            subcode: 'IdentityMismatch',
            reason: `chargeBoxIdentity ${call.chargeBoxIdentity} does not match the endpoint of ${stationId}`,
            relatesTo,
          }),
        )
      }
      const command = (
        call.ocppVersion === '1.5'
          ? { operation: call.operation, payload: toV16CpRequest(call.operation, call.payload as never) }
          : { operation: call.operation, payload: call.payload }
      ) as Command
      const reply = opts.onCommand(stationId, command)
      if (reply === undefined) {
        return send(
          res,
          encodeFault({
            soapVersion: call.soapVersion,
            code: 'Sender',
            subcode: 'IdentityMismatch',
            reason: `no station ${stationId} here`,
            relatesTo,
          }),
        )
      }
      const encoded =
        call.ocppVersion === '1.5'
          ? encodeCpResponse({
              soapVersion: call.soapVersion,
              ocppVersion: '1.5',
              operation: call.operation,
              payload: fromV16CpResponse(call.operation, reply as never),
              relatesTo,
            })
          : encodeCpResponse({
              soapVersion: call.soapVersion,
              ocppVersion: '1.6',
              operation: call.operation,
              payload: reply as never,
              relatesTo,
            })
      res.writeHead(200, { 'content-type': encoded.contentType })
      res.end(encoded.body)
    } catch (err) {
      send(res, encodeFault({ soapVersion, relatesTo, ...faultForError(err) }))
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new SimulatorListenError(`${opts.host}:${opts.port}`, err)))
    server.listen(opts.port, opts.host, () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : opts.port
  const wildcard = opts.host === '0.0.0.0' || opts.host === '::' || opts.host === ''
  const host = wildcard ? hostname() : opts.host.includes(':') ? `[${opts.host}]` : opts.host
  const baseUrl = `http://${host}:${port}`
  function urlOf(stationId: string): string {
    return `${baseUrl}${CP_PATH}${encodeURIComponent(stationId)}`
  }

  return {
    urlOf,
    baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function send(
  res: http.ServerResponse,
  fault: { httpStatus: number; contentType: string; body: string },
): void {
  res.writeHead(fault.httpStatus, { 'content-type': fault.contentType })
  res.end(fault.body)
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' })
  res.end(`${text}\n`)
}

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size <= BODY_LIMIT) chunks.push(c)
    })
    req.on('end', () => resolve(size > BODY_LIMIT ? undefined : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

import http from 'node:http'
import https from 'node:https'
import {
  type CsOperation,
  type CsRequest,
  type CsResponse,
  decodeCsResponse,
  encodeCsRequest,
  fromV16CsRequest,
  OcppError,
  OcppFaultResponseError,
  type OcppVersion,
  toV16CsResponse,
} from '@chargebus/ocpp'

type CsOp = CsOperation<'1.6'>

export type CallOutcome<O extends CsOp = CsOp> =
  | { readonly ok: true; readonly payload: CsResponse<'1.6', O>; readonly latencyMs: number }
  /** `reason` is short and groupable: `fault Sender/SecurityError`, `http 503`, `ECONNRESET`, `timeout`. */
  | { readonly ok: false; readonly reason: string; readonly latencyMs: number }

export interface CsClientOptions {
  /** The gateway's CentralSystemService URL, e.g. `http://127.0.0.1:3100/ocpp/1.6`. */
  readonly url: string
  readonly ocppVersion: OcppVersion
  /** Most sockets open to the gateway at once; further requests wait for a free one (keep-alive). */
  readonly maxSockets: number
  readonly timeoutMs: number
}

export interface CsClient {
  /** Sends one request (1.6 payload; converted for 1.5) as `stationId`, with wsa:From `from`. Never throws. */
  call<O extends CsOp>(
    stationId: string,
    from: string,
    operation: O,
    payload: CsRequest<'1.6', O>,
  ): Promise<CallOutcome<O>>
  /** TCP connections opened so far, and requests retried once after a kept-alive socket was closed under them. */
  readonly connections: () => { opened: number; retries: number }
  close(): void
}

class TimeoutError extends Error {
  readonly code = 'timeout'
}

/**
 * The station side of HTTP: SOAP 1.2 POSTs to the gateway over a keep-alive agent with at most `maxSockets`
 * connections, so thousands of stations share a bounded number of sockets. A request that fails on a reused idle
 * socket before any reply byte is retried once on a new connection (the gateway dedupes by MessageID).
 *
 * ### Examples
 * ```ts
 * const client = createCsClient({ url: 'http://127.0.0.1:3100/ocpp/1.6', ocppVersion: '1.6', maxSockets: 256, timeoutMs: 30_000 })
 * const out = await client.call('SIM-00001', 'http://127.0.0.1:9700/cp/SIM-00001', 'Heartbeat', {})
 * ```
 */
export function createCsClient(opts: CsClientOptions): CsClient {
  const url = new URL(opts.url)
  const transport = url.protocol === 'https:' ? https : http
  const agent = new transport.Agent({
    keepAlive: true,
    maxSockets: opts.maxSockets,
    maxFreeSockets: opts.maxSockets,
    scheduling: 'lifo',
  })
  const seen = new WeakSet<object>()
  let opened = 0
  let retries = 0

  function post(body: string, contentType: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = transport.request(
        {
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          agent,
          headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          )
          res.on('error', reject)
        },
      )
      req.on('socket', (socket) => {
        if (!seen.has(socket)) {
          seen.add(socket)
          opened++
        }
      })
      req.setTimeout(opts.timeoutMs, () =>
        req.destroy(new TimeoutError(`no answer within ${opts.timeoutMs} ms`)),
      )
      req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })))
      req.end(body)
    })
  }

  async function postRetryingIdle(
    body: string,
    contentType: string,
  ): Promise<{ status: number; text: string }> {
    try {
      return await post(body, contentType)
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean }
      if (!e.reusedSocket || (e.code !== 'ECONNRESET' && e.code !== 'EPIPE')) throw err
      retries++
      return post(body, contentType)
    }
  }

  return {
    async call(stationId, from, operation, payload) {
      const started = performance.now()
      const elapsed = () => performance.now() - started
      try {
        const call =
          opts.ocppVersion === '1.6'
            ? encodeCsRequest({
                ocppVersion: '1.6',
                operation,
                payload,
                chargeBoxIdentity: stationId,
                to: opts.url,
                from,
              })
            : encodeCsRequest({
                ocppVersion: '1.5',
                operation,
                payload: fromV16CsRequest(operation, payload as never),
                chargeBoxIdentity: stationId,
                to: opts.url,
                from,
              })
        const res = await postRetryingIdle(call.body, call.contentType)
        const expect = { operation, messageId: call.messageId }
        let answer: CsResponse<'1.6', typeof operation>
        try {
          answer =
            opts.ocppVersion === '1.6'
              ? decodeCsResponse(res.text, { ocppVersion: '1.6', ...expect }).payload
              : (toV16CsResponse(
                  operation,
                  decodeCsResponse(res.text, { ocppVersion: '1.5', ...expect }).payload as never,
                ) as CsResponse<'1.6', typeof operation>)
        } catch (err) {
          if (err instanceof OcppFaultResponseError) {
            const sub = err.faultSubcode ? `/${err.faultSubcode}` : ''
            return { ok: false, reason: `fault ${err.faultCode}${sub}`, latencyMs: elapsed() }
          }
          if (res.status !== 200) return { ok: false, reason: `http ${res.status}`, latencyMs: elapsed() }
          throw err
        }
        if (res.status !== 200) return { ok: false, reason: `http ${res.status}`, latencyMs: elapsed() }
        return { ok: true, payload: answer, latencyMs: elapsed() }
      } catch (err) {
        return { ok: false, reason: reasonOf(err), latencyMs: elapsed() }
      }
    },
    connections: () => ({ opened, retries }),
    close: () => agent.destroy(),
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof OcppError) return err.code
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' ? code : `error ${(err as Error).message}`
}

import { centralSystemWsdl, decodeXmlBody, type OcppVersion } from '@chargebus/ocpp'
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { BadHttpRequest } from '../../domain/errors.ts'
import { faultReply, refusalOf, type SoapReply, soapVersionOfContentType } from './soap-faults.ts'

export interface SoapRoutesOptions {
  handle: (
    xml: string,
    http: {
      contentType: string | undefined
      authorization: string | undefined
      /** The client's address (behind a trusted proxy: the forwarded one). */
      remoteAddress: string
      expectedVersion?: OcppVersion
    },
  ) => Promise<SoapReply>
  bodyLimitBytes: number
  /** Called for each request refused before the handler runs (body too large, media type, encoding). */
  onRefused?: () => void
  /** Base URL for the WSDL address (OCPP_PUBLIC_URL); else the request's protocol and Host. */
  publicUrl?: string
  logger: Logger
}

/** The endpoints and the OCPP version each serves (`/ocpp`: whatever the body's namespace says). */
export const OCPP_ENDPOINTS: ReadonlyArray<{ path: string; version?: OcppVersion }> = [
  { path: '/ocpp/1.6', version: '1.6' },
  { path: '/ocpp/1.5', version: '1.5' },
  { path: '/ocpp' },
]

const SOAP_MEDIA_TYPES = ['application/soap+xml', 'text/xml', 'application/xml']
const WSDL_CACHE_MAX = 32

function send(reply: FastifyReply, r: SoapReply): FastifyReply {
  reply.code(r.status).header('content-type', r.contentType)
  if (r.headers) for (const [k, v] of Object.entries(r.headers)) reply.header(k, v)
  return reply.send(r.body)
}

/**
 * CentralSystemService over SOAP: POST bodies on the OCPP endpoints, `GET …?wsdl` for the WSDL. Encapsulated:
 * its body parsers (read as a string, size-limited) and its error handler (every failure is a SOAP fault)
 * apply to these routes only.
 */
export const soapRoutes: FastifyPluginAsync<SoapRoutesOptions> = async (app, opts) => {
  const { handle, bodyLimitBytes, logger } = opts
  const publicUrl = opts.publicUrl?.replace(/\/+$/, '')

  // Only SOAP media types here: JSON, forms or text/plain get a 415 fault instead of Fastify's own parsers.
  // Read as bytes: the body's encoding (charset, BOM, XML declaration) decides how they become text.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    SOAP_MEDIA_TYPES,
    { parseAs: 'buffer', bodyLimit: bodyLimitBytes },
    (request, body, done) => {
      try {
        done(null, decodeXmlBody(body as Buffer, request.headers['content-type']))
      } catch (err) {
        done(err as Error, undefined)
      }
    },
  )

  // Errors before the handler runs: body too large, unknown media type, unreadable body.
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const contentType = request.headers['content-type']
    opts.onRefused?.()
    return send(
      reply,
      faultReply(
        refusalOf(err, contentType, bodyLimitBytes),
        soapVersionOfContentType(contentType),
        undefined,
        logger,
      ),
    )
  })

  const wsdlCache = new Map<string, string>()
  function wsdlFor(version: OcppVersion, address: string): string {
    const key = `${version} ${address}`
    let text = wsdlCache.get(key)
    if (text === undefined) {
      text = centralSystemWsdl(version, address)
      if (wsdlCache.size >= WSDL_CACHE_MAX) wsdlCache.clear()
      wsdlCache.set(key, text)
    }
    return text
  }

  for (const { path, version } of OCPP_ENDPOINTS) {
    const expectedVersion = version
    async function answer(request: FastifyRequest, reply: FastifyReply) {
      const body = request.body
      if (typeof body !== 'string' || body.length === 0) {
        const soapVersion = soapVersionOfContentType(request.headers['content-type'])
        opts.onRefused?.()
        return send(
          reply,
          faultReply(new BadHttpRequest('empty request body'), soapVersion, undefined, logger),
        )
      }
      const r = await handle(body, {
        contentType: request.headers['content-type'],
        authorization: request.headers.authorization,
        remoteAddress: request.ip,
        expectedVersion,
      })
      return send(reply, r)
    }

    async function describe(request: FastifyRequest, reply: FastifyReply) {
      const query = request.query as Record<string, unknown>
      if (!('wsdl' in query) && !('WSDL' in query)) {
        return reply
          .code(400)
          .type('text/plain; charset=utf-8')
          .send(`POST SOAP requests here; GET ${path}?wsdl for the WSDL\n`)
      }
      const address = `${publicUrl ?? `${request.protocol}://${request.host}`}${path}`
      return reply.type('text/xml; charset=utf-8').send(wsdlFor(version ?? '1.6', address))
    }

    // Station configurations add to the URL: a trailing slash, their identity, `/CentralSystemService`.
    // The identity that counts is the chargeBoxIdentity header, so whatever follows the endpoint is ignored.
    for (const url of [path, `${path}/*`]) {
      app.post(url, answer)
      app.get(url, describe)
    }
  }
}

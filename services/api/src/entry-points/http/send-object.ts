import { Readable } from 'node:stream'
import { ObjectNotFound, type ObjectStorage } from '@chargebus/storage'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { attachmentDisposition } from '../../domain/content-disposition.ts'
import type { ApiError } from '../../domain/errors.ts'
import { ifNoneMatchHits } from './etag.ts'

/** A stored object as a download: which object, under what name, how long, and its SHA-256 (the ETag). */
export interface Download {
  objectKey: string
  fileName: string
  size: number
  sha256: string
}

/**
 * Answers a GET or HEAD with an object's bytes, streamed from storage (never buffered): Content-Length,
 * `application/octet-stream`, `Content-Disposition: attachment`, ETag = the quoted SHA-256. A matching
 * If-None-Match is 304 and HEAD sends the headers only, both without opening the object. An object missing
 * behind its row is logged as an error (the row promises bytes) and answered with `missing`.
 */
export async function sendObject(
  request: FastifyRequest,
  reply: FastifyReply,
  storage: ObjectStorage,
  download: Download,
  missing: () => ApiError,
): Promise<FastifyReply> {
  const etag = `"${download.sha256}"`
  const ifNoneMatch = request.headers['if-none-match']
  if (ifNoneMatch !== undefined && ifNoneMatchHits(ifNoneMatch, etag))
    return reply.header('etag', etag).code(304).send()
  let body: Readable | undefined
  if (request.method !== 'HEAD') {
    try {
      body = await storage.get(download.objectKey)
    } catch (err) {
      if (!(err instanceof ObjectNotFound)) throw err
      request.log.error({ objectKey: download.objectKey }, 'a recorded object is missing from storage')
      throw missing()
    }
  }
  reply
    .header('etag', etag)
    .header('content-type', 'application/octet-stream')
    .header('content-length', String(download.size))
    .header('content-disposition', attachmentDisposition(download.fileName))
  // HEAD: an empty stream, so Fastify's HEAD handling keeps our Content-Length (it zeroes it for no payload).
  if (body === undefined) return reply.send(Readable.from([]))
  body.once('error', (err) => request.log.warn({ err }, 'download failed mid-stream'))
  return reply.send(body)
}

import { Readable } from 'node:stream'
import {
  type Database,
  type FirmwareImage,
  findFirmwareImage,
  type Kysely,
  listFirmwareImages,
} from '@chargebus/db'
import type { Clock } from '@chargebus/platform'
import { type ObjectStorage, ObjectTooLarge } from '@chargebus/storage'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { addFirmwareImage, removeFirmwareImage } from '../../data-access/firmware-catalogue.ts'
import { decodeCursor, encodeCursor } from '../../domain/cursor.ts'
import { ApiError, FirmwareNotFound } from '../../domain/errors.ts'
import { security } from './auth.ts'
import {
  contentResponses,
  FirmwareListQuery,
  FirmwareParams,
  FirmwareSchema,
  FirmwareUploadQuery,
} from './file-schemas.ts'
import { paged, sendPage } from './pages.ts'
import { Page, readResponses, responses } from './schemas.ts'
import { sendObject } from './send-object.ts'

export interface FirmwareRoutesOptions {
  db: Kysely<Database>
  storage: ObjectStorage
  clock: Clock
  /** API_FIRMWARE_MAX_BYTES. */
  maxBytes: number
}

/**
 * The firmware catalogue. Writes take `admin`, the scope of UpdateFirmware itself (a privileged command): an
 * image in the catalogue is what stations will install. Reads take `read`.
 */
export const firmwareRoutes: FastifyPluginAsyncTypebox<FirmwareRoutesOptions> = async (
  app,
  { db, storage, clock, maxBytes },
) => {
  // The body goes to storage as the raw request stream; its limit is maxBytes, enforced while it streams. Any
  // other body is left unread (never buffered up to maxBytes by the JSON parser) and refused by the handler.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload))
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined))

  app.put(
    '/firmware/:name',
    {
      config: { scope: 'admin' },
      bodyLimit: maxBytes,
      schema: {
        tags: ['firmware'],
        summary: 'Add a firmware image',
        description:
          'The body is the image (Content-Type: application/octet-stream), streamed into object storage and hashed (SHA-256) on the way; version and description are query parameters. A name in use is 409: delete the old image first. A body over API_FIRMWARE_MAX_BYTES is 413. A refused or failed upload stores nothing.',
        security: security('admin'),
        params: FirmwareParams,
        querystring: FirmwareUploadQuery,
        // Documents the body for OpenAPI; `{}` validates nothing, as a byte stream has no JSON to check.
        body: {
          content: {
            'application/octet-stream': { schema: { description: 'The image bytes.', format: 'binary' } },
          },
        },
        response: responses({ 201: FirmwareSchema }),
      },
    },
    async (request, reply) => {
      if (!(request.body instanceof Readable))
        throw new ApiError(
          'API_ERR_MEDIA_TYPE',
          'send the image as the body, Content-Type: application/octet-stream',
        )
      const body = request.body
      const declared = Number(request.headers['content-length'])
      if (declared > maxBytes) throw tooLarge(maxBytes)
      const { name } = request.params
      let image: FirmwareImage
      try {
        // No body schema: the raw stream is not JSON to validate.
        image = await addFirmwareImage(db, storage, () => body, {
          name,
          version: request.query.version,
          description: request.query.description ?? null,
          maxBytes,
          at: clock(),
        })
      } catch (err) {
        if (err instanceof ObjectTooLarge) throw tooLarge(maxBytes, err)
        throw err
      }
      return reply
        .code(201)
        .header('location', `${request.url.split('?')[0]}`)
        .send(firmwareView(image))
    },
  )

  app.get(
    '/firmware',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['firmware'],
        summary: 'List firmware images',
        description: 'Ordered by name.',
        security: security('read'),
        querystring: FirmwareListQuery,
        response: readResponses({ 200: Page(FirmwareSchema, 'FirmwarePage') }),
      },
    },
    async (request, reply) => {
      const { limit, cursor } = paged(request.query)
      const after = cursor === undefined ? undefined : String(decodeCursor('firmware', cursor, ['string'])[0])
      const rows = await listFirmwareImages(db, { limit: limit + 1, after })
      const more = rows.length > limit
      const items = rows.slice(0, limit)
      const last = items.at(-1)
      return sendPage(request, reply, {
        items: items.map(firmwareView),
        nextCursor: more && last !== undefined ? encodeCursor('firmware', [last.name]) : null,
      })
    },
  )

  app.get(
    '/firmware/:name',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['firmware'],
        summary: 'A firmware image',
        security: security('read'),
        params: FirmwareParams,
        response: readResponses({ 200: FirmwareSchema }),
      },
    },
    async (request) => firmwareView(await existing(request.params.name)),
  )

  app.get(
    '/firmware/:name/content',
    {
      // Sent as stored: gzip would drop Content-Length and gains little on firmware and log archives.
      compress: false,
      config: { scope: 'read' },
      schema: {
        tags: ['firmware'],
        summary: "A firmware image's bytes",
        description:
          'Streamed from object storage. HEAD gives the headers only; If-None-Match with the ETag gives 304.',
        security: security('read'),
        params: FirmwareParams,
        response: contentResponses,
      },
    },
    async (request, reply) => {
      const image = await existing(request.params.name)
      return sendObject(
        request,
        reply,
        storage,
        { objectKey: image.objectKey, fileName: image.name, size: image.size, sha256: image.sha256 },
        () => new FirmwareNotFound(image.name),
      )
    },
  )

  app.delete(
    '/firmware/:name',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['firmware'],
        summary: 'Delete a firmware image',
        description: 'Removes the entry, then its stored bytes.',
        security: security('admin'),
        params: FirmwareParams,
        response: responses({ 204: Type.Null({ description: 'Deleted.' }) }),
      },
    },
    async (request, reply) => {
      const removed = await removeFirmwareImage(db, storage, request.params.name)
      if (removed === undefined) throw new FirmwareNotFound(request.params.name)
      return reply.code(204).send(null)
    },
  )

  async function existing(name: string): Promise<FirmwareImage> {
    const image = await findFirmwareImage(db, name)
    if (image === undefined) throw new FirmwareNotFound(name)
    return image
  }
}

function firmwareView(image: FirmwareImage) {
  return {
    name: image.name,
    version: image.version,
    size: image.size,
    sha256: image.sha256,
    createdAt: image.createdAt.toISOString(),
    description: image.description,
  }
}

function tooLarge(maxBytes: number, cause?: unknown): ApiError {
  return new ApiError('API_ERR_BODY_TOO_LARGE', `firmware images may have at most ${maxBytes} bytes`, {
    cause,
  })
}

import type { Database, Kysely } from '@chargebus/db'
import type { ObjectStorage } from '@chargebus/storage'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { findStationFile, listStationFiles, stationKnown } from '../../data-access/station-files.ts'
import { FileNotFound, StationNotFound } from '../../domain/errors.ts'
import { security } from './auth.ts'
import { contentResponses, FileParams, StationFileListQuery, StationFileSchema } from './file-schemas.ts'
import { paged, sendPage } from './pages.ts'
import { Page, readResponses, StationParams } from './schemas.ts'
import { sendObject } from './send-object.ts'

/** Files stations uploaded over FTP (stored by ftp-ingest): listings, metadata and the bytes. */
export const stationFileRoutes: FastifyPluginAsyncTypebox<{
  db: Kysely<Database>
  storage: ObjectStorage
}> = async (app, { db, storage }) => {
  app.get(
    '/stations/:stationId/files',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['files'],
        summary: "List a station's files",
        description:
          'Files the station uploaded over FTP, newest first (by receipt). from/to bound the receipt time; prefix filters names. A repeated upload of the same bytes is listed with duplicateOf set.',
        security: security('read'),
        params: StationParams,
        querystring: StationFileListQuery,
        response: readResponses({ 200: Page(StationFileSchema, 'StationFilePage') }),
      },
    },
    async (request, reply) => {
      const { stationId } = request.params
      const page = await listStationFiles(db, { ...paged(request.query), stationId })
      // Only an empty first page asks whether the station exists at all.
      if (
        page.items.length === 0 &&
        request.query.cursor === undefined &&
        !(await stationKnown(db, stationId))
      )
        throw new StationNotFound(stationId)
      return sendPage(request, reply, page)
    },
  )

  app.get(
    '/files/:fileId',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['files'],
        summary: 'A station file',
        security: security('read'),
        params: FileParams,
        response: readResponses({ 200: StationFileSchema }),
      },
    },
    async (request) => {
      const file = await findStationFile(db, request.params.fileId)
      if (file === undefined) throw new FileNotFound(request.params.fileId)
      const { objectKey: _, ...view } = file
      return view
    },
  )

  app.get(
    '/files/:fileId/content',
    {
      // Sent as stored: gzip would drop Content-Length and gains little on firmware and log archives.
      compress: false,
      config: { scope: 'read' },
      schema: {
        tags: ['files'],
        summary: "A station file's bytes",
        description:
          'Streamed from object storage. A duplicate serves the bytes of the first copy (the same SHA-256). HEAD gives the headers only; If-None-Match with the ETag gives 304.',
        security: security('read'),
        params: FileParams,
        response: contentResponses,
      },
    },
    async (request, reply) => {
      const { fileId } = request.params
      const file = await findStationFile(db, fileId)
      if (file === undefined) throw new FileNotFound(fileId)
      return sendObject(
        request,
        reply,
        storage,
        { objectKey: file.objectKey, fileName: file.name, size: file.size, sha256: file.sha256 },
        () => new FileNotFound(fileId),
      )
    },
  )
}

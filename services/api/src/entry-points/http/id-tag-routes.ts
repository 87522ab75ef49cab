import type { Database, IdTag, Kysely } from '@chargebus/db'
import { mirrorIdTag, removeIdTag } from '@chargebus/station-registry'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { KV } from '@nats-io/kv'
import { Type } from 'typebox'
import {
  deleteIdTag,
  findIdTag,
  type IdTagChanges,
  idTagView,
  insertIdTag,
  listIdTags,
  updateIdTag,
} from '../../data-access/id-tags.ts'
import { IdTagExists, IdTagNotFound } from '../../domain/errors.ts'
import { security } from './auth.ts'
import { kvWrite } from './kv-write.ts'
import { paged, sendPage } from './pages.ts'
import {
  IdTagCreateBody,
  IdTagListQuery,
  IdTagParams,
  IdTagSchema,
  IdTagUpdateBody,
  Page,
  readResponses,
  responses,
} from './schemas.ts'

export interface IdTagRoutesOptions {
  db: Kysely<Database>
  idTagsKv: KV
  clock: () => Date
}

/**
 * Id tags (RFID cards, app tokens). Every change is written to Postgres and, before commit, to the
 * gateway's id-tag cache (NATS KV), which running gateways apply within milliseconds.
 */
export const idTagRoutes: FastifyPluginAsyncTypebox<IdTagRoutesOptions> = async (
  app,
  { db, idTagsKv, clock },
) => {
  const mirror = (row: IdTag) =>
    kvWrite(() =>
      mirrorIdTag(idTagsKv, {
        idTag: row.id_tag,
        status: row.status,
        expiryDate: row.expiry_date,
        parentIdTag: row.parent_id_tag,
        updatedAt: row.updated_at,
      }),
    )

  async function change(idTag: string, changes: IdTagChanges) {
    return db.transaction().execute(async (trx) => {
      const row = await updateIdTag(trx, idTag, changes, clock())
      if (row === undefined) throw new IdTagNotFound(idTag)
      await mirror(row)
      return idTagView(row)
    })
  }

  app.get(
    '/id-tags',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['id-tags'],
        summary: 'List id tags',
        security: security('read'),
        querystring: IdTagListQuery,
        response: readResponses({ 200: Page(IdTagSchema, 'IdTagPage') }),
      },
    },
    async (request, reply) => sendPage(request, reply, await listIdTags(db, paged(request.query))),
  )

  app.get(
    '/id-tags/:idTag',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['id-tags'],
        summary: 'An id tag (case-insensitive)',
        security: security('read'),
        params: IdTagParams,
        response: readResponses({ 200: IdTagSchema }),
      },
    },
    async (request) => {
      const row = await findIdTag(db, request.params.idTag)
      if (row === undefined) throw new IdTagNotFound(request.params.idTag)
      return idTagView(row)
    },
  )

  app.post(
    '/id-tags',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['id-tags'],
        summary: 'Create an id tag',
        security: security('write'),
        body: IdTagCreateBody,
        response: responses({ 201: IdTagSchema }),
      },
    },
    async (request, reply) => {
      const view = await db.transaction().execute(async (trx) => {
        const row = await insertIdTag(trx, request.body, clock())
        if (row === undefined) throw new IdTagExists(request.body.idTag)
        await mirror(row)
        return idTagView(row)
      })
      reply.code(201).header('location', `/v1/id-tags/${encodeURIComponent(view.idTag)}`)
      return view
    },
  )

  app.patch(
    '/id-tags/:idTag',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['id-tags'],
        summary: 'Change an id tag',
        description: 'Only the fields given change; null clears expiryDate, parentIdTag or note.',
        security: security('write'),
        params: IdTagParams,
        body: IdTagUpdateBody,
        response: responses({ 200: IdTagSchema }),
      },
    },
    async (request) => change(request.params.idTag, request.body),
  )

  app.post(
    '/id-tags/:idTag/block',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['id-tags'],
        summary: 'Block an id tag',
        description: 'Sets status Blocked: the gateway refuses it from now on (Authorize, StartTransaction).',
        security: security('write'),
        params: IdTagParams,
        response: responses({ 200: IdTagSchema }),
      },
    },
    async (request) => change(request.params.idTag, { status: 'Blocked' }),
  )

  app.delete(
    '/id-tags/:idTag',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['id-tags'],
        summary: 'Delete an id tag',
        description: 'The gateway then answers Invalid for it.',
        security: security('write'),
        params: IdTagParams,
        response: responses({ 204: Type.Null({ description: 'Deleted.' }) }),
      },
    },
    async (request, reply) => {
      await db.transaction().execute(async (trx) => {
        const row = await deleteIdTag(trx, request.params.idTag)
        if (row === undefined) throw new IdTagNotFound(request.params.idTag)
        await kvWrite(() => removeIdTag(idTagsKv, row.id_tag, clock()))
      })
      return reply.code(204).send(null)
    },
  )
}

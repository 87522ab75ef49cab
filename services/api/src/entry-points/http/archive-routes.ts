import type { StreamArchiveStatus } from '@chargebus/archive'
import type { Clock } from '@chargebus/platform'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { security } from './auth.ts'
import { responses } from './schemas.ts'

/** How the API reads the archive's progress: JetStream stream info and the archiver's KV position. */
export type ArchiveStatusReader = (now: Clock) => Promise<readonly StreamArchiveStatus[]>

const StreamArchiveStatusSchema = Type.Object(
  {
    stream: Type.String(),
    archivedSeq: Type.Integer({ description: 'Last sequence covered by an archive manifest (0: none).' }),
    archivedAt: Type.Optional(Type.String({ description: 'When the archiver last moved its position.' })),
    firstSeq: Type.Integer(),
    lastSeq: Type.Integer(),
    unarchivedMessages: Type.Integer(),
    unarchivedBytes: Type.Integer({ description: "Estimated from the stream's average message size." }),
    maxBytes: Type.Number(),
    maxAgeMs: Type.Number(),
    oldestUnarchivedTime: Type.Optional(Type.String()),
    losing: Type.Boolean({ description: 'Messages left the stream before they were archived.' }),
    ratio: Type.Number({
      description:
        'max(unarchived bytes / max bytes, oldest unarchived age / max age); the alert fires above 0.5, at 1 messages are lost.',
    }),
  },
  { description: 'The archive of one stream.' },
)

/** The archive's progress per stream (the figures of `chargebus_archive_unarchived_ratio`). */
export const archiveRoutes: FastifyPluginAsyncTypebox<{ status: ArchiveStatusReader; clock: Clock }> = async (
  app,
  { status, clock },
) => {
  app.get(
    '/archive',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['archive'],
        summary: 'Archive progress per stream',
        description:
          'For each archived stream: the archived position, what is not archived yet and the ratio the alert watches. Works while the archiver is down.',
        security: security('read'),
        response: responses({ 200: Type.Object({ streams: Type.Array(StreamArchiveStatusSchema) }) }),
      },
    },
    async () => ({ streams: [...(await status(clock))] }),
  )
}

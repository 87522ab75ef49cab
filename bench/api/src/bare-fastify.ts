/**
 * The baseline: bare Fastify answering a fixed JSON page of the same size as a station list page, with no
 * schema, no database and no plugins. Argument: port. Prints `LISTENING <url>` when ready.
 */
import { fastify } from 'fastify'

const page = {
  data: Array.from({ length: 50 }, (_, i) => ({
    id: `BENCH-${String(i).padStart(5, '0')}`,
    vendor: 'ACME',
    model: 'Wallbox 22',
    registrationStatus: 'Accepted',
    lastSeenAt: '2026-11-27T10:00:00.000Z',
    online: true,
  })),
  nextCursor: 'WyJzdGF0aW9ucyIsIkJFTkNILTAwMDQ5Il0',
  next: '/v1/stations?cursor=WyJzdGF0aW9ucyIsIkJFTkNILTAwMDQ5Il0',
}
const app = fastify()
app.get('/*', async () => page)
const url = await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) })
process.stdout.write(`LISTENING ${url}\n`)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))

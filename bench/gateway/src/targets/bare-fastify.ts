/**
 * Baseline target: bare Fastify, one JSON POST route, no schema, no logging. Env: PORT.
 * Run by the bench orchestrator as its own process.
 */
import Fastify from 'fastify'

const port = Number(process.env.PORT ?? 3901)
const app = Fastify({ logger: false })

app.get('/healthz', async () => ({ ok: true }))
app.post('/ingest', async (req) => {
  const body = req.body as { messageId?: string }
  return { status: 'Accepted', relatesTo: body.messageId }
})

await app.listen({ host: '127.0.0.1', port })
process.stdout.write(`ready ${port}\n`)
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => void app.close().then(() => process.exit(0)))

import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { pino } from 'pino'
import { createServiceApp } from '../../src/index.ts'

/*
 * While the app closes (its preClose hooks, e.g. consumers stopping, can take seconds), a request arriving on a
 * kept-alive connection is refused with 503: answered by the platform's own hook, so it has its x-request-id like every other answer and shows in the request metrics as
 * shed (Fastify's return503OnClosing answered before any hook: neither).
 */

function get(
  agent: Agent,
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      res.resume()
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }))
    })
    req.once('error', reject)
    req.end()
  })
}

test('a request arriving while the app closes gets 503 with its x-request-id, counted as shed', async () => {
  const app = createServiceApp({ name: 'closing', logger: pino({ level: 'silent' }) })
  app.get('/fast', async () => ({ ok: true }))
  // As a service stops its consumers: the close waits here, with the listener and kept-alive connections open.
  let stopped = () => {}
  app.addHook('preClose', () => new Promise<void>((resolve) => (stopped = resolve)))
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    const before = await get(agent, port, '/fast')
    expect(before.status).toBe(200)
    expect(before.headers.connection).toBe('keep-alive')
    const closed = app.close()

    const refused = await get(agent, port, '/fast', { 'x-request-id': 'closing-1' })
    expect(refused.status).toBe(503)
    expect(refused.headers['x-request-id']).toBe('closing-1')
    expect(refused.headers['retry-after']).toBe('1')
    expect(refused.headers.connection).toBe('close')
    const metrics = await app.metrics.getSingleMetricAsString('http_request_duration_seconds')
    expect(metrics).toContain(
      'http_request_duration_seconds_count{service="closing",method="GET",route="/fast",status_code="503",outcome="shed"} 1',
    )
    stopped()
    await closed
  } finally {
    agent.destroy()
  }
})

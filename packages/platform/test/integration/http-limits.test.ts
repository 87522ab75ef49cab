import { connect, type Socket } from 'node:net'
import { pino } from 'pino'
import { createServiceApp, type HttpLimits, type ServiceApp } from '../../src/index.ts'

/* What one process takes at most, over real sockets: slow requests, connections, requests in flight. */

const LIMITS: HttpLimits = {
  requestTimeoutMs: 1000,
  headersTimeoutMs: 1000,
  maxConnections: 3,
  maxInFlight: 2,
  trustProxy: false,
}

const apps: ServiceApp[] = []
const sockets: Socket[] = []
let port: number
let waiting: Array<() => void> = []
const release = () => {
  for (const resolve of waiting.splice(0)) resolve()
}

/** A listening app with these limits: `/slow` answers once `release()` is called, `/echo` at once. */
async function serve(limits: Partial<HttpLimits> = {}): Promise<void> {
  const app = createServiceApp({
    name: 'limits',
    logger: pino({ level: 'silent' }),
    limits: { ...LIMITS, ...limits },
  })
  app.post('/slow', async () => {
    await new Promise<void>((resolve) => waiting.push(resolve))
    return { ok: true }
  })
  app.post('/echo', async (request) => ({ got: request.body }))
  // A genuine 503: the route's own dependency is down (not the cap's back-pressure).
  app.post('/down', async (_request, reply) => reply.code(503).send({ down: true }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  port = (app.server.address() as { port: number }).port
  apps.push(app)
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  release()
  waiting = []
  await Promise.all(apps.splice(0).map((a) => a.close()))
})

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s))
    s.once('error', reject)
    sockets.push(s)
  })
}

/** Everything the server sends until it closes the socket (or `ms` passed). */
function readUntilClosed(s: Socket, ms: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = ''
    const timer = setTimeout(() => resolve({ text, closed: false }), ms)
    s.on('data', (d) => {
      text += d.toString()
    })
    s.once('close', () => {
      clearTimeout(timer)
      resolve({ text, closed: true })
    })
  })
}

test('a client that trickles its body is cut off with 408 once the request timeout passes', async () => {
  await serve()
  const s = await open()
  s.write(
    'POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":',
  )
  const started = performance.now()
  const trickle = setInterval(() => s.writable && s.write(' '), 200)
  const { text, closed } = await readUntilClosed(s, 5000)
  clearInterval(trickle)
  expect(closed).toBe(true)
  expect(text).toMatch(/^HTTP\/1\.1 408/)
  expect(performance.now() - started).toBeLessThan(3000)
})

test('beyond maxInFlight requests are refused at once with 503 and Retry-After; health stays answered', async () => {
  await serve({ maxConnections: 100 })
  const first = fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST' })
  const second = fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST' })
  await new Promise((r) => setTimeout(r, 100))
  const third = await fetch(`http://127.0.0.1:${port}/slow`, {
    method: 'POST',
    headers: { 'x-request-id': 'shed-1' },
  })
  expect(third.status).toBe(503)
  expect(third.headers.get('retry-after')).toBe('1')
  // Like every other answer: the caller's id echoed, else a generated one.
  expect(third.headers.get('x-request-id')).toBe('shed-1')
  const fourth = await fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST' })
  expect(fourth.status).toBe(503)
  expect(fourth.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  expect(metrics).toMatch(/^http_requests_shed_total\{service="limits"\} 2$/m)
  release()
  expect((await first).status).toBe(200)
  expect((await second).status).toBe(200)
  // The request metrics tell the sheds (back-pressure) from a genuine 503, which error-rate alerts count.
  expect((await fetch(`http://127.0.0.1:${port}/down`, { method: 'POST' })).status).toBe(503)
  const counts = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  const count = (route: string, outcome: string) =>
    new RegExp(
      `^http_request_duration_seconds_count\\{service="limits",method="POST",route="${route}",status_code="(\\d+)",outcome="${outcome}"\\} (\\d+)$`,
      'm',
    )
      .exec(counts)
      ?.slice(1)
  expect(count('/slow', 'shed')).toEqual(['503', '2'])
  expect(count('/slow', 'answered')).toEqual(['200', '2'])
  expect(count('/down', 'error')).toEqual(['503', '1'])
  expect(count('/down', 'shed')).toBeUndefined()
})

test('a request answered or abandoned by its client gives its in-flight place back', async () => {
  await serve({ maxConnections: 100 })
  const answered = fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST' })
  const client = new AbortController()
  const abandoned = fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST', signal: client.signal })
  await new Promise((r) => setTimeout(r, 100))
  expect((await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST' })).status).toBe(503)
  client.abort()
  await expect(abandoned).rejects.toThrow()
  await new Promise((r) => setTimeout(r, 100))
  // One place is free again (the abandoned request's): one more /slow is taken, the next refused.
  const taken = fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST' })
  await new Promise((r) => setTimeout(r, 100))
  expect((await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST' })).status).toBe(503)
  release()
  expect((await answered).status).toBe(200)
  expect((await taken).status).toBe(200)
  // Both answered: both places are free, and the count never went below zero (a third still gets 503).
  const again = [
    fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST' }),
    fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST' }),
  ]
  await new Promise((r) => setTimeout(r, 100))
  expect((await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST' })).status).toBe(503)
  release()
  for (const r of await Promise.all(again)) expect(r.status).toBe(200)
})

test('connections beyond maxConnections are closed by the server', async () => {
  await serve()
  const held = await Promise.all([open(), open(), open()])
  const extra = await open()
  const { closed } = await readUntilClosed(extra, 2000)
  expect(closed).toBe(true)
  for (const s of held) s.destroy()
})

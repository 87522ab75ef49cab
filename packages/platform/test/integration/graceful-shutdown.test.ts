import { connect } from 'node:net'
import { CHILD_TIMEOUT_MS, fixtures, listeningAddress, startNode } from '../support/child-process.ts'

function startService(env: Record<string, string> = {}) {
  return startNode(`${fixtures}graceful-service.ts`, { env })
}

/** Resolves with the error code of a fresh TCP connection attempt, or 'connected'. */
function tryConnect(address: string): Promise<string> {
  const { hostname, port } = new URL(address)
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) })
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}

async function connectUntilRefused(address: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs
  let outcome = await tryConnect(address)
  // A connection that lands in the accept queue as the listener closes is reset, not refused.
  while ((outcome === 'connected' || outcome === 'ECONNRESET') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    outcome = await tryConnect(address)
  }
  return outcome
}

const messages = (lines: Record<string, unknown>[]) => lines.map((l) => l.msg)

describe('runService in a real process', () => {
  test(
    'SIGTERM mid-request: the request completes, new connections are refused, hooks run in order, exit 0',
    async () => {
      const child = startService({ SLOW_MS: '800' })
      const address = await listeningAddress(child)
      expect(await tryConnect(address)).toBe('connected')

      const slow = fetch(`${address}/slow`)
      await child.waitForLine((l) => l.msg === 'slow started')
      child.process.kill('SIGTERM')
      await child.waitForLine((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM')
      await child.waitForLine((l) => l.msg === 'preClose')

      // The listener closes right after the preClose hooks; poll briefly rather than race it.
      expect(await connectUntilRefused(address, 2000)).toBe('ECONNREFUSED')
      expect(messages(child.lines)).not.toContain('slow finished') // refused while still in flight
      const response = await slow
      expect(response.status).toBe(200)
      // fetch keeps connections alive: the in-flight response must end its connection, or the
      // server would wait for the 72 s keep-alive timeout.
      expect(response.headers.get('connection')).toBe('close')
      expect(await response.json()).toEqual({ done: true })
      expect(await child.exited).toBe(0)

      const order = messages(child.lines).filter((m) =>
        ['shutting down', 'preClose', 'slow finished', 'onClose', 'shut down'].includes(String(m)),
      )
      expect(order).toEqual(['shutting down', 'preClose', 'slow finished', 'onClose', 'shut down'])
    },
    CHILD_TIMEOUT_MS,
  )

  test(
    'SIGINT on an idle service exits 0 promptly',
    async () => {
      const child = startService()
      const address = await listeningAddress(child)
      // An idle keep-alive connection must not hold the shutdown for the 72 s keep-alive timeout.
      expect((await fetch(`${address}/healthz`)).status).toBe(200)
      const started = Date.now()
      child.process.kill('SIGINT')
      expect(await child.exited).toBe(0)
      expect(Date.now() - started).toBeLessThan(2000)
    },
    CHILD_TIMEOUT_MS,
  )

  test(
    'a shutdown that outlasts its timeout is forced: exit 1 with a log line',
    async () => {
      const child = startService({ SLOW_MS: '10000', SHUTDOWN_TIMEOUT_MS: '300' })
      const address = await listeningAddress(child)
      const slow = fetch(`${address}/slow`).then(
        (res) => res.status,
        () => 'connection lost',
      )
      await child.waitForLine((l) => l.msg === 'slow started')
      child.process.kill('SIGTERM')
      expect(await child.exited).toBe(1)
      expect(await slow).toBe('connection lost')
      expect(child.lines).toContainEqual(
        expect.objectContaining({
          level: 'error',
          msg: 'forcing exit',
          err: expect.objectContaining({ code: 'PLATFORM_ERR_SHUTDOWN_TIMEOUT' }),
        }),
      )
    },
    CHILD_TIMEOUT_MS,
  )

  test(
    'a second signal forces exit 1 with a log line',
    async () => {
      const child = startService({ SLOW_MS: '10000', SHUTDOWN_TIMEOUT_MS: '10000' })
      const address = await listeningAddress(child)
      const slow = fetch(`${address}/slow`).catch(() => 'connection lost')
      await child.waitForLine((l) => l.msg === 'slow started')
      child.process.kill('SIGTERM')
      await child.waitForLine((l) => l.msg === 'shutting down')
      child.process.kill('SIGTERM')
      expect(await child.exited).toBe(1)
      await slow
      expect(child.lines).toContainEqual(
        expect.objectContaining({
          level: 'error',
          signal: 'SIGTERM',
          msg: 'second signal during shutdown, forcing exit',
        }),
      )
    },
    CHILD_TIMEOUT_MS,
  )

  test.each([
    ['/crash', 'boom outside any request'],
    ['/reject', 'nobody awaited this'],
  ])(
    'an uncaught error (%s) is logged as fatal, the service closes gracefully, exit 1',
    async (path, message) => {
      const child = startService()
      const address = await listeningAddress(child)
      await fetch(`${address}${path}`)
      expect(await child.exited).toBe(1)
      expect(child.lines).toContainEqual(
        expect.objectContaining({
          level: 'fatal',
          msg: 'uncaught error, shutting down',
          err: expect.objectContaining({ message }),
        }),
      )
      expect(messages(child.lines)).toContain('onClose')
    },
  )
})

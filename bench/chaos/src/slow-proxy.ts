/**
 * A TCP proxy between pgbouncer and Postgres that can delay traffic: the "slow database" fault. Pass-through
 * while the delay is 0; with a delay, every chunk pgbouncer sends is forwarded `delayMs` later, in order, so each
 * query round trip takes at least that much longer (the answers are not delayed again).
 * Connections opened while it runs follow the current delay; closing either side closes the other.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

export interface SlowProxy {
  readonly port: number
  delayMs: number
  /** Connections accepted so far (pgbouncer's server connections through the proxy). */
  readonly accepted: number
  close(): Promise<void>
}

function pipeDelayed(from: Socket, to: Socket, delay: () => number): void {
  // the time the previous chunk leaves: a chunk never overtakes an earlier one when the delay changes
  let lastAt = 0
  from.on('data', (chunk: Buffer) => {
    const ms = delay()
    if (ms <= 0 && lastAt <= Date.now()) {
      to.write(chunk)
      return
    }
    const at = Math.max(Date.now() + ms, lastAt)
    lastAt = at
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk)
    }, at - Date.now())
  })
}

export function startSlowProxy(opts: { listenPort: number; targetPort: number }): Promise<SlowProxy> {
  const sockets = new Set<Socket>()
  let accepted = 0
  const state = { delayMs: 0 }
  const server: Server = createServer((client) => {
    accepted++
    const upstream = connect({ host: '127.0.0.1', port: opts.targetPort })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.setNoDelay(true)
      s.once('close', () => sockets.delete(s))
    }
    pipeDelayed(client, upstream, () => state.delayMs)
    upstream.pipe(client)
    // Postgres gone (stopped, restarted) or the client left: end both halves, as a dropped connection would
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.once('error', end)
    upstream.once('error', end)
    client.once('close', end)
    upstream.once('close', end)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.listenPort, '127.0.0.1', () => {
      resolve({
        port: opts.listenPort,
        get delayMs() {
          return state.delayMs
        },
        set delayMs(ms: number) {
          state.delayMs = ms
        },
        get accepted() {
          return accepted
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          }),
      })
    })
  })
}

import { once } from 'node:events'
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net'

/**
 * How a paused proxy fails: `refuse` closes every connection and stops listening (a process that
 * died: ECONNREFUSED at once); `blackhole` keeps accepting but silently drops every byte in both
 * directions (a network partition: callers hang until their own timeouts).
 */
export type PauseMode = 'refuse' | 'blackhole'

export interface TcpProxy {
  /** Where clients connect instead of the real server. */
  readonly host: string
  readonly port: number
  /** Connections currently open through the proxy. */
  readonly openConnections: number
  /** Breaks the path to the real server: existing connections end, new ones fail (see `PauseMode`). */
  pause(mode?: PauseMode): Promise<void>
  /** Restores the path on the same port; connections broken by `pause` stay broken, as TCP would. */
  resume(): Promise<void>
  /** Ends every connection and stops listening for good. */
  close(): Promise<void>
}

interface Pair {
  client: Socket
  upstream: Socket | undefined
}

/**
 * A TCP proxy between a client and a real server, for network-level fault injection in
 * integration tests: the client library, the server and the protocol stay real, only the wire
 * between them is cut. Listens on 127.0.0.1 with a free port unless told otherwise.
 *
 * ### Examples
 * ```ts
 * const proxy = await startTcpProxy({ targetHost: '127.0.0.1', targetPort: 4222 })
 * const bus = await connectBus({ servers: `nats://127.0.0.1:${proxy.port}`, name: 'test', logger })
 * await proxy.pause()   // NATS looks dead to the bus
 * await proxy.resume()  // and comes back
 * afterAll(() => proxy.close())
 * ```
 */
export async function startTcpProxy(options: {
  targetHost: string
  targetPort: number
  host?: string
  port?: number
}): Promise<TcpProxy> {
  const host = options.host ?? '127.0.0.1'
  const pairs = new Set<Pair>()
  let state: 'open' | PauseMode | 'closed' = 'open'

  const server: Server = createServer((client) => {
    const pair: Pair = { client, upstream: undefined }
    pairs.add(pair)
    client.on('close', () => {
      pairs.delete(pair)
      pair.upstream?.destroy()
    })
    client.on('error', () => client.destroy())
    if (state === 'blackhole') {
      client.resume() // read and drop
      return
    }
    const upstream = connect({ host: options.targetHost, port: options.targetPort })
    pair.upstream = upstream
    upstream.on('error', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.pipe(upstream)
    upstream.pipe(client)
  })

  server.listen(options.port ?? 0, host)
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port

  function destroyAll(): void {
    for (const { client, upstream } of pairs) {
      client.destroy()
      upstream?.destroy()
    }
    pairs.clear()
  }

  async function stopListening(): Promise<void> {
    if (!server.listening) return
    const closed = once(server, 'close')
    server.close()
    await closed
  }

  return {
    host,
    port,
    get openConnections() {
      return pairs.size
    },
    async pause(mode: PauseMode = 'refuse') {
      if (state === 'closed') throw new Error('the proxy is closed')
      state = mode
      if (mode === 'refuse') {
        const stopped = stopListening()
        destroyAll()
        await stopped
        return
      }
      for (const { client, upstream } of pairs) {
        client.unpipe()
        upstream?.unpipe()
        client.resume()
        upstream?.resume()
      }
    },
    async resume() {
      if (state === 'closed') throw new Error('the proxy is closed')
      if (state === 'blackhole') destroyAll()
      state = 'open'
      if (!server.listening) {
        server.listen(port, host)
        await once(server, 'listening')
      }
    },
    async close() {
      state = 'closed'
      const stopped = stopListening()
      destroyAll()
      await stopped
    },
  }
}

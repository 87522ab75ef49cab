/**
 * The chaos bench's NATS: one `nats-server -js`, or (`--cluster`) three clustered on this machine, each with its
 * own client and route ports and its own store under the run's directory. A node can be killed -9 and started
 * again on its store; the whole set can be stopped and started (the `nats-stopped` fault).
 */
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { freePort } from '../../e2e/src/stack.ts'
import { type Started, startProcess, stopProcess, waitForTcp } from '../../gateway/src/processes.ts'

export interface NatsNode {
  /** server_name, as JetStream's cluster info names peers and leaders. */
  readonly name: string
  readonly url: string
}

export interface NatsServers {
  readonly nodes: readonly NatsNode[]
  /** Every node's URL, comma-separated (NATS_URL). */
  readonly url: string
  readonly clustered: boolean
  startAll(): Promise<void>
  stopAll(): Promise<void>
  /** SIGKILL to one node; resolves when it is gone. */
  kill(name: string): Promise<void>
  /** Starts a node again on its store; resolves when it accepts connections. */
  start(name: string): Promise<void>
}

interface NodeSpec extends NatsNode {
  readonly args: string[]
  readonly port: number
  readonly logFile: string
}

export async function natsServers(dir: string, clustered: boolean): Promise<NatsServers> {
  const count = clustered ? 3 : 1
  const ports = []
  for (let i = 0; i < count; i++) ports.push({ client: await freePort(), route: await freePort() })
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(',')
  const specs: NodeSpec[] = ports.map((p, i) => {
    const name = clustered ? `n${i + 1}` : 'nats'
    const args = ['-a', '127.0.0.1', '-p', String(p.client), '-js', '-sd', join(dir, `nats-store-${name}`)]
    if (clustered)
      args.push(
        '-n',
        name,
        '--cluster_name',
        'chaos',
        '--cluster',
        `nats://127.0.0.1:${p.route}`,
        // every node lists every route (its own is skipped), as a cluster's nodes share one config
        '--routes',
        routes,
      )
    return {
      name,
      url: `nats://127.0.0.1:${p.client}`,
      args,
      port: p.client,
      logFile: join(dir, `nats-server-${name}.log`),
    }
  })
  const running = new Map<string, Started>()
  let starts = 0
  const spec = (name: string) => {
    const s = specs.find((n) => n.name === name)
    if (!s) throw new Error(`no NATS node ${name}`)
    return s
  }
  const start = async (name: string) => {
    const s = spec(name)
    starts++
    const p = startProcess({
      name: `nats-server ${name}`,
      command: 'nats-server',
      args: s.args,
      // a restarted node gets its own log: the killed one's stays for the post-mortem
      logFile: `${s.logFile}.${starts}`,
    })
    running.set(name, p)
    await waitForTcp(s.port, p)
  }
  return {
    nodes: specs.map(({ name, url }) => ({ name, url })),
    url: specs.map((s) => s.url).join(','),
    clustered,
    start,
    async startAll() {
      await Promise.all(specs.map((s) => start(s.name)))
      await jetStreamAnswers(specs.map((s) => s.url))
    },
    async stopAll() {
      await Promise.all([...running.values()].map((p) => stopProcess(p, 10_000)))
      running.clear()
    },
    async kill(name) {
      const p = running.get(name)
      if (!p) throw new Error(`NATS node ${name} is not running`)
      p.child.kill('SIGKILL')
      await p.exited
      running.delete(name)
    },
  }
}

/** A cluster's JetStream answers once its nodes have elected a meta leader: the services' start-up needs it. */
async function jetStreamAnswers(urls: string[], timeoutMs = 30_000): Promise<void> {
  const nc = await connect({ servers: urls, name: 'bench-chaos-start' })
  try {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo()
        return
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`JetStream did not answer within ${timeoutMs} ms: ${err}`)
        await sleep(200)
      }
    }
  } finally {
    await nc.close()
  }
}

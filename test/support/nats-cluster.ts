import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { freePort } from './cp-server.ts'

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? 'nats-server'

/** A private JetStream cluster of this test's own: what R3 streams need (the shared server is a single node). */
export interface NatsCluster {
  /** `nats://127.0.0.1:<p1>,nats://...`: every node, as NATS_URL lists a production cluster. */
  readonly url: string
  readonly servers: readonly string[]
  /** Kills every node and removes their stores. */
  stop(): Promise<void>
}

/**
 * Starts `size` nats-server processes (client and route ports picked free, stores in a temporary directory)
 * routed into one cluster, and resolves once JetStream answers with a meta leader (an R3 stream can be made).
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'chargebus-nats-cluster-'))
  const nodes: { client: number; route: number }[] = []
  for (let i = 0; i < size; i++) nodes.push({ client: await freePort(), route: await freePort() })
  const routes = nodes.map((n) => `nats-route://127.0.0.1:${n.route}`)
  const children: ChildProcess[] = nodes.map((n, i) => {
    const conf = join(dir, `n${i}.conf`)
    writeFileSync(
      conf,
      [
        `server_name: n${i}`,
        `listen: 127.0.0.1:${n.client}`,
        `jetstream { store_dir: "${join(dir, `store-${i}`)}" }`,
        `cluster { name: chargebus-test, listen: 127.0.0.1:${n.route}, routes: [${routes.join(', ')}] }`,
        '',
      ].join('\n'),
    )
    return spawn(NATS_SERVER, ['-c', conf], { stdio: 'ignore' })
  })
  const servers = nodes.map((n) => `nats://127.0.0.1:${n.client}`)
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve()
            c.once('exit', () => resolve())
            c.kill('SIGKILL')
          }),
      ),
    )
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitForMetaLeader(servers)
  } catch (err) {
    await stop()
    throw err
  }
  return { url: servers.join(','), servers, stop }
}

/** JetStream answers account requests only once the cluster elected a meta leader. */
async function waitForMetaLeader(servers: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  let last: unknown
  while (performance.now() < deadline) {
    try {
      const nc = await connect({ servers, timeout: 1_000 })
      try {
        const jsm = await jetstreamManager(nc, { timeout: 1_000 })
        await jsm.getAccountInfo()
        return
      } finally {
        await nc.close()
      }
    } catch (err) {
      last = err
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  throw new Error(`the NATS cluster elected no JetStream leader in ${timeoutMs} ms: ${String(last)}`)
}

/**
 * Who leads what in the bench's NATS cluster, read through JetStream's own API (stream and consumer info name
 * the leader and each replica's state): which node to kill for the leader fault, how long the elections took,
 * and when a restarted node has caught up.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'

/** A replicated asset: a stream (KV buckets are streams too), or a durable consumer as `STREAM/durable`. */
export interface Placement {
  readonly asset: string
  readonly leader: string | undefined
  /** Replicas other than the leader, and whether each is current. */
  readonly followers: readonly { name: string; current: boolean }[]
}

export interface ClusterView {
  /** Every stream and the given consumers, each asked with a short timeout (undefined leader: none answered). */
  placements(): Promise<Placement[]>
  close(): Promise<void>
}

const REQUEST_TIMEOUT_MS = 500

/**
 * A view through `urls` only (the survivors when a node is killed, so the view never waits on the dead node's
 * reconnect). `consumers` as `STREAM/durable`.
 */
export async function clusterView(
  urls: readonly string[],
  consumers: readonly string[],
): Promise<ClusterView> {
  const nc: NatsConnection = await connect({
    servers: [...urls],
    name: 'bench-chaos-cluster-view',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
  })
  const jsm: JetStreamManager = await jetstreamManager(nc, { timeout: REQUEST_TIMEOUT_MS })
  const streams: string[] = []
  for await (const name of jsm.streams.names()) streams.push(name)
  const placement = (asset: string, cluster: ClusterInfoLike | undefined): Placement => ({
    asset,
    leader: cluster?.leader || undefined,
    followers: (cluster?.replicas ?? []).map((r) => ({ name: r.name, current: r.current && !r.offline })),
  })
  const unanswered = (asset: string): Placement => ({ asset, leader: undefined, followers: [] })
  return {
    placements: () =>
      Promise.all([
        ...streams.map((s) =>
          jsm.streams.info(s).then(
            (i) => placement(s, i.cluster),
            () => unanswered(s),
          ),
        ),
        ...consumers.map((c) => {
          const [stream = '', durable = ''] = c.split('/')
          return jsm.consumers.info(stream, durable).then(
            (i) => placement(c, i.cluster),
            () => unanswered(c),
          )
        }),
      ]),
    close: () => nc.close(),
  }
}

interface ClusterInfoLike {
  leader?: string
  replicas?: { name: string; current: boolean; offline?: boolean }[]
}

export interface Election {
  /** From the kill to the first answer naming a leader other than the killed node, per asset it led. */
  readonly electedAfterMs: Record<string, number | null>
  /** The new leader of each asset the killed node led. */
  readonly newLeaders: Record<string, string | null>
  /** Until every asset (the killed node's and the others) answered with a live leader. */
  readonly allLedAfterMs: number | null
}

/**
 * Polls `view` every `periodMs` after `killedAt` until each asset that `killed` led (per `before`) answers with
 * another leader, and every asset answers with a leader; gives up at `timeoutMs` (then nulls).
 */
export async function awaitElection(
  view: ClusterView,
  killed: string,
  before: readonly Placement[],
  killedAt: number,
  timeoutMs: number,
  periodMs = 50,
): Promise<Election> {
  const led = before.filter((p) => p.leader === killed).map((p) => p.asset)
  const electedAfterMs: Record<string, number | null> = Object.fromEntries(led.map((a) => [a, null]))
  const newLeaders: Record<string, string | null> = Object.fromEntries(led.map((a) => [a, null]))
  let allLedAfterMs: number | null = null
  while (Date.now() - killedAt < timeoutMs) {
    const now = await view.placements()
    const at = Date.now() - killedAt
    for (const p of now) {
      if (p.asset in electedAfterMs && electedAfterMs[p.asset] === null && p.leader && p.leader !== killed) {
        electedAfterMs[p.asset] = at
        newLeaders[p.asset] = p.leader
      }
    }
    if (now.every((p) => p.leader && p.leader !== killed)) {
      allLedAfterMs = at
      break
    }
    await sleep(periodMs)
  }
  return { electedAfterMs, newLeaders, allLedAfterMs }
}

/** Waits until every asset has a leader and every follower is current (a restarted node caught up). */
export async function awaitCaughtUp(view: ClusterView, timeoutMs: number): Promise<number | null> {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    const now = await view.placements()
    if (now.every((p) => p.leader && p.followers.length > 0 && p.followers.every((f) => f.current)))
      return Date.now() - started
    await sleep(100)
  }
  return null
}

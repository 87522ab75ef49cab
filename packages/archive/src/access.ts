import {
  createNamespace,
  type EnsureStreamsOptions,
  type Namespace,
  type NatsAccess,
  natsConnectionOptions,
  openKv,
  type StreamLimitsByName,
} from '@chargebus/bus'
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream'
import type { KV } from '@nats-io/kv'
import { connect, type NatsConnection } from '@nats-io/transport-node'

/** The KV bucket (namespaced) holding the archived position of each stream. */
export const POSITIONS_BUCKET = 'archive_positions'

/**
 * What the archive code reads and writes on NATS: its own connection (an archiver reading at full speed
 * does not queue behind a service's publishes), JetStream, the namespace and the positions bucket.
 */
export interface ArchiveAccess {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly ns: Namespace
  readonly positions: KV
  /** The limits and replica count this deployment declares streams with (`ensureStreams`, restores). */
  readonly streamOptions: EnsureStreamsOptions
  close(): Promise<void>
}

export interface OpenArchiveAccessOptions {
  readonly access: NatsAccess
  readonly name: string
  readonly namespace?: string | undefined
  readonly streamLimits?: StreamLimitsByName | undefined
  /** `NATS_STREAM_REPLICAS`: the streams and the positions bucket get it, as the services' do. */
  readonly replicas?: number | undefined
}

/**
 * ### Examples
 * ```ts
 * const access = await openArchiveAccess({ access: natsAccessFrom(config), name: 'archiver', namespace })
 * ```
 */
export async function openArchiveAccess(opts: OpenArchiveAccessOptions): Promise<ArchiveAccess> {
  const nc = await connect({
    ...natsConnectionOptions(opts.access),
    name: opts.name,
    maxReconnectAttempts: -1,
    noAsyncTraces: true,
  })
  try {
    const js = jetstream(nc, { timeout: 10_000 })
    const jsm = await jetstreamManager(nc, { timeout: 10_000 })
    const ns = createNamespace(opts.namespace)
    const streamOptions: EnsureStreamsOptions = {
      ...(opts.streamLimits ? { limits: opts.streamLimits } : {}),
      ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}),
    }
    const positions = await openKv(js, ns, POSITIONS_BUCKET, {
      history: 1,
      ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}),
    })
    return {
      nc,
      js,
      jsm,
      ns,
      positions,
      streamOptions,
      close: async () => {
        if (!nc.isClosed()) await nc.drain()
      },
    }
  } catch (err) {
    await nc.close()
    throw err
  }
}

import { type StreamDefinition, Streams } from '@chargebus/events'
import type { ConsumerConfig, ConsumerInfo, JetStreamManager } from '@nats-io/jetstream'
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, ReplayPolicy } from '@nats-io/jetstream'
import { nanos } from '@nats-io/transport-node'
import { InvalidBusOptionsError, JetStreamRequestError, StreamConflictError } from './errors.ts'
import { laneDurable } from './lanes.ts'
import type { Namespace } from './namespace.ts'

/** A durable pull consumer as code declares it (logical stream and filter). */
export interface ConsumerDefinition {
  stream: StreamDefinition
  durable: string
  /** Logical subject filter; default: the whole stream. One filter only (nats-server 2.9). */
  filterSubject?: string
  /** Redelivery after this long without ack (handlers can call `working()`). */
  ackWaitMs: number
  /** Unacked messages the server hands out across all instances of the consumer. */
  maxAckPending: number
  /**
   * Where a new durable starts: `all` (default) the stream's first message, `new` only what is stored after
   * its creation (a rebuild consumer fed by a replay). Ignored for an existing durable.
   */
  deliver?: 'all' | 'new'
  description?: string
}

/** A JetStream durable name: 64 characters for a consumer, more for its replay lane (`<STREAM>-<durable>`). */
const DURABLE = /^[A-Za-z0-9_-]{1,128}$/

type DesiredConsumer = Pick<
  ConsumerConfig,
  | 'durable_name'
  | 'ack_policy'
  | 'deliver_policy'
  | 'replay_policy'
  | 'ack_wait'
  | 'max_ack_pending'
  | 'max_deliver'
  | 'description'
> & { filter_subject?: string }

/** Pure. `max_deliver` stays unlimited on the server: the bus counts deliveries and dead-letters itself. */
export function toConsumerConfig(def: ConsumerDefinition, ns: Namespace): DesiredConsumer {
  if (!DURABLE.test(def.durable))
    throw new InvalidBusOptionsError(`durable ${JSON.stringify(def.durable)} must match ${DURABLE}`)
  return {
    durable_name: def.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: def.deliver === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(def.ackWaitMs),
    max_ack_pending: def.maxAckPending,
    max_deliver: -1,
    description: def.description ?? `${def.durable} on ${def.stream.name}`,
    ...(def.filterSubject ? { filter_subject: ns.subject(def.filterSubject) } : {}),
  }
}

const MUTABLE = ['ack_wait', 'max_ack_pending', 'max_deliver', 'description', 'filter_subject'] as const

/** Creates the durable consumer, or updates the settings that differ. Idempotent. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  ns: Namespace,
  def: ConsumerDefinition,
): Promise<void> {
  const stream = ns.stream(def.stream.name)
  const desired = toConsumerConfig(def, ns)
  const current = await consumerInfo(jsm, stream, def.durable)
  if (!current) {
    try {
      await jsm.consumers.add(stream, desired)
      return
    } catch (err) {
      if (!(await consumerInfo(jsm, stream, def.durable))) {
        throw new JetStreamRequestError(`create consumer ${stream}/${def.durable}`, err)
      }
    }
  }
  const config = current?.config ?? (await consumerInfo(jsm, stream, def.durable))?.config
  if (!config) throw new JetStreamRequestError(`consumer ${stream}/${def.durable}`, 'vanished during set-up')
  const changed = MUTABLE.filter((k) => (config[k] ?? '') !== (desired[k] ?? ''))
  if (changed.length === 0) return
  const { durable_name: _, ack_policy: _a, deliver_policy: _d, replay_policy: _r, ...update } = desired
  try {
    await jsm.consumers.update(stream, def.durable, {
      ...update,
      filter_subject: desired.filter_subject ?? '',
    })
  } catch (err) {
    throw new StreamConflictError(
      `consumer ${stream}/${def.durable}: cannot update ${changed.join(', ')}`,
      err,
    )
  }
}

/** How far a durable consumer is behind its stream, across every instance sharing it. */
export interface ConsumerBacklog {
  /** Messages on the filter not delivered to any instance yet. */
  pending: number
  /** Messages delivered and not acked yet (in flight, prefetched or waiting for redelivery). */
  ackPending: number
}

/**
 * The durable's backlog, its replay lane's included (a replay in progress is work behind too); undefined
 * while the consumer does not exist.
 */
export async function consumerBacklog(
  jsm: JetStreamManager,
  ns: Namespace,
  stream: StreamDefinition,
  durable: string,
): Promise<ConsumerBacklog | undefined> {
  const [info, lane] = await Promise.all([
    consumerInfo(jsm, ns.stream(stream.name), durable),
    consumerInfo(jsm, ns.stream(Streams.REPLAY.name), laneDurable(stream.name, durable)).catch(
      () => undefined,
    ),
  ])
  if (info === undefined) return undefined
  return {
    pending: info.num_pending + (lane?.num_pending ?? 0),
    ackPending: info.num_ack_pending + (lane?.num_ack_pending ?? 0),
  }
}

/** A consumer's info, undefined when it (or its stream) does not exist. */
export async function consumerInfo(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(stream, durable)
  } catch (err) {
    const code = (err as { code?: number }).code
    if (code === JetStreamApiCodes.ConsumerNotFound || code === JetStreamApiCodes.StreamNotFound)
      return undefined
    throw new JetStreamRequestError(`consumer info ${stream}/${durable}`, err)
  }
}

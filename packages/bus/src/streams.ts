import type { StreamDefinition } from '@chargebus/events'
import type { JetStreamManager, StreamConfig, StreamInfo } from '@nats-io/jetstream'
import { DiscardPolicy, JetStreamApiCodes, RetentionPolicy, StorageType } from '@nats-io/jetstream'
import { nanos } from '@nats-io/transport-node'
import { JetStreamRequestError, reasonOf, StreamConflictError } from './errors.ts'
import type { Namespace } from './namespace.ts'
import { developmentStreamLimits, type StreamLimitsByName } from './stream-limits.ts'

export interface EnsureStreamsOptions {
  /** Replicas per stream; production runs R3 (durability comes from replication, see README). */
  replicas?: number
  /**
   * Limits per logical stream (`streamLimitsFrom(config)`); a stream missing here gets its development
   * default. Streams that are not in the catalog (restore streams) are declared with their own definition.
   */
  limits?: StreamLimitsByName
  /** Caps every stream's `maxBytes` (tests and dev machines: it is a reservation on the server's store). */
  maxBytes?: number
}

type DesiredStream = Pick<
  StreamConfig,
  | 'name'
  | 'subjects'
  | 'description'
  | 'retention'
  | 'storage'
  | 'discard'
  | 'max_age'
  | 'max_bytes'
  | 'max_msg_size'
  | 'duplicate_window'
  | 'num_replicas'
>

/** The JetStream configuration of a catalog stream in a namespace. Pure. */
export function toStreamConfig(
  def: StreamDefinition,
  ns: Namespace,
  opts: EnsureStreamsOptions = {},
): DesiredStream {
  const limits = opts.limits?.[def.name] ??
    developmentStreamLimits[def.name] ?? { maxBytes: def.devMaxBytes, maxAgeMs: def.maxAgeMs }
  return {
    name: ns.stream(def.name),
    subjects: def.subjects.map((s) => ns.subject(s)),
    description: def.description,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: def.discard === 'new' ? DiscardPolicy.New : DiscardPolicy.Old,
    max_age: nanos(limits.maxAgeMs),
    max_bytes: Math.min(limits.maxBytes, opts.maxBytes ?? limits.maxBytes),
    max_msg_size: def.maxMsgSize,
    duplicate_window: nanos(def.duplicateWindowMs),
    num_replicas: opts.replicas ?? 1,
  }
}

const MUTABLE = [
  'subjects',
  'description',
  'discard',
  'max_age',
  'max_bytes',
  'max_msg_size',
  'duplicate_window',
  'num_replicas',
] as const

/**
 * Creates each stream, or updates it in place when its mutable settings differ. Idempotent. The replica
 * count is one of them: JetStream scales a clustered stream up (copying it to the new peers) or down in
 * place; a server that cannot host the count refuses and the stream stays as it was.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  ns: Namespace,
  defs: readonly StreamDefinition[],
  opts: EnsureStreamsOptions = {},
): Promise<void> {
  for (const def of defs) await ensureStream(jsm, toStreamConfig(def, ns, opts))
}

async function ensureStream(jsm: JetStreamManager, desired: DesiredStream): Promise<void> {
  const current = await streamInfo(jsm, desired.name)
  if (!current) {
    try {
      await jsm.streams.add(desired)
      return
    } catch (err) {
      // Another instance may have created it between our info and add: fall through to the update.
      if (!(await streamInfo(jsm, desired.name)))
        throw new JetStreamRequestError(`create stream ${desired.name}`, err)
    }
  }
  const config = current?.config ?? (await streamInfo(jsm, desired.name))?.config
  if (!config) throw new JetStreamRequestError(`stream ${desired.name}`, 'vanished during set-up')
  if (config.storage !== desired.storage || config.retention !== desired.retention) {
    throw new StreamConflictError(
      `stream ${desired.name} exists with storage ${config.storage}/retention ${config.retention}; ` +
        `expected ${desired.storage}/${desired.retention} (these cannot change in place)`,
    )
  }
  const changed = MUTABLE.filter(
    (key) => JSON.stringify(config[key] ?? null) !== JSON.stringify(desired[key]),
  )
  if (changed.length === 0) return
  const { name: _, retention: _r, storage: _s, ...update } = desired
  try {
    await jsm.streams.update(desired.name, update)
  } catch (err) {
    // The replica count is the change a server most often refuses (R3 asked of a single server): name it.
    const replicas = changed.includes('num_replicas')
      ? ` (num_replicas ${config.num_replicas} -> ${desired.num_replicas})`
      : ''
    throw new StreamConflictError(
      `stream ${desired.name}: cannot update ${changed.join(', ')}${replicas}: ${reasonOf(err)}`,
      err,
    )
  }
}

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name)
  } catch (err) {
    if ((err as { code?: number }).code === JetStreamApiCodes.StreamNotFound) return undefined
    throw new JetStreamRequestError(`stream info ${name}`, err)
  }
}

import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'

/**
 * A NATS KV bucket mirrored into memory: reads are a Map lookup, so a station request never waits on NATS;
 * a KV watch applies every put and delete as it happens (on every replica).
 */
export interface KvMirror<T> {
  get(key: string): T | undefined
  /**
   * Whether the bucket holds a record under `key` that does not decode or validate: it is not "no record"
   * (that could mean "no password"); callers fail closed on it.
   */
  isUnreadable(key: string): boolean
  readonly size: number
  /** The records in memory now (key, value). */
  entries(): IterableIterator<[string, T]>
  /** Whether the initial contents have been loaded (never pretended: a timed-out load stays unsynced). */
  readonly synced: boolean
  /** Called after each applied change (key, new value or undefined when deleted). */
  onChange(listener: (key: string, value: T | undefined) => void): void
  /** Stops watching; the last known contents stay readable. */
  stop(): void
}

export interface KvMirrorOptions<T> {
  kv: KV
  name: string
  /** Parses and validates a stored value; undefined skips it (logged). */
  decode: (value: Uint8Array) => T | undefined
  logger: Logger
  /** How long `startKvMirror` waits for the initial contents. Default 10 s. */
  syncTimeoutMs?: number
}

/**
 * Starts mirroring and resolves once the bucket's current contents are in memory.
 *
 * ### Examples
 * ```ts
 * const idTags = await startKvMirror({ kv: await bus.kv(KvBuckets.idTags), name: 'id-tags', decode, logger })
 * idTags.get(idTagKey('04A1B2C3'))
 * ```
 */
export async function startKvMirror<T>(opts: KvMirrorOptions<T>): Promise<KvMirror<T>> {
  const { kv, name, decode, logger } = opts
  const entries = new Map<string, T>()
  const unreadable = new Set<string>()
  const listeners: Array<(key: string, value: T | undefined) => void> = []
  let synced = false
  let markSynced: () => void = () => {}
  const initial = new Promise<void>((resolve) => {
    markSynced = () => {
      if (synced) return
      synced = true
      resolve()
    }
  })

  let stopped = false
  let watch: Awaited<ReturnType<KV['watch']>> | undefined
  // The whole load, from the first request to the last initial entry, is bounded by the timeout below.
  void (async () => {
    const status = await kv.status()
    const w = await kv.watch()
    if (stopped) {
      w.stop()
      return
    }
    watch = w
    if (status.values === 0) markSynced()
    for await (const e of w) {
      if (e.operation === 'PUT') {
        let value: T | undefined
        try {
          value = decode(e.value)
        } catch {
          value = undefined
        }
        if (value === undefined) {
          logger.warn(
            { bucket: name, key: e.key },
            'unreadable KV record: its key is refused until it is fixed',
          )
          entries.delete(e.key)
          unreadable.add(e.key)
        } else {
          entries.set(e.key, value)
          unreadable.delete(e.key)
        }
        for (const l of listeners) l(e.key, value)
      } else {
        entries.delete(e.key)
        unreadable.delete(e.key)
        for (const l of listeners) l(e.key, undefined)
      }
      if (e.delta === 0 || e.isUpdate) markSynced()
    }
  })().catch((err: unknown) => logger.error({ err, bucket: name }, 'KV watch ended'))

  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      // Start anyway (readiness says "not ready" and requests are refused), never pretend to be loaded.
      if (!synced)
        logger.warn(
          { bucket: name, loaded: entries.size },
          'KV mirror: initial load timed out; not ready until it completes',
        )
      resolve()
    }, opts.syncTimeoutMs ?? 10_000)
  })
  await Promise.race([initial, timeout])
  clearTimeout(timer)

  return {
    get: (key) => entries.get(key),
    isUnreadable: (key) => unreadable.has(key),
    entries: () => entries.entries(),
    get size() {
      return entries.size
    },
    get synced() {
      return synced
    },
    onChange(listener) {
      listeners.push(listener)
    },
    stop() {
      stopped = true
      watch?.stop()
    },
  }
}

/** Decodes a JSON record and checks it with a compiled TypeBox validator. */
export function jsonDecoder<T>(validator: {
  Check(value: unknown): boolean
}): (value: Uint8Array) => T | undefined {
  const text = new TextDecoder()
  return (value) => {
    const parsed: unknown = JSON.parse(text.decode(value))
    return validator.Check(parsed) ? (parsed as T) : undefined
  }
}

import { setTimeout as sleep } from 'node:timers/promises'
import { JetStreamApiCodes, type JetStreamClient } from '@nats-io/jetstream'
import type { KV, KvOptions } from '@nats-io/kv'
import { Kvm } from '@nats-io/kv'
import { JetStreamRequestError, reasonOf, StreamConflictError } from './errors.ts'
import type { Namespace } from './namespace.ts'

/**
 * Opens the bucket (namespaced), creating it when missing. Idempotent. With `opts.replicas`, an existing
 * bucket at another count is scaled to it in place, as `ensureStreams` does with streams (nats.js binds to
 * an existing bucket without comparing its settings).
 */
export async function openKv(
  js: JetStreamClient,
  ns: Namespace,
  bucket: string,
  opts: Partial<KvOptions> = {},
): Promise<KV> {
  let kv: KV
  try {
    kv = await new Kvm(js).create(ns.bucket(bucket), opts)
  } catch (err) {
    throw new JetStreamRequestError(`kv ${bucket}`, err)
  }
  if (opts.replicas !== undefined) await scaleBucket(js, kv, bucket, opts.replicas)
  return kv
}

/**
 * Asked right after the bucket's creation, a server of a cluster may not have applied its stream's assignment yet
 * and answer "stream not found" (seen in CI on a loaded 3-node cluster): that answer is retried for up to ~2 s.
 */
const STATUS_ATTEMPTS = 10

async function bucketStatus(kv: KV, bucket: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await kv.status()
    } catch (err) {
      const notYet = (err as { code?: number }).code === JetStreamApiCodes.StreamNotFound
      if (!notYet || attempt >= STATUS_ATTEMPTS) throw new JetStreamRequestError(`kv ${bucket} status`, err)
      await sleep(50 * attempt)
    }
  }
}

async function scaleBucket(js: JetStreamClient, kv: KV, bucket: string, replicas: number): Promise<void> {
  const { streamInfo } = await bucketStatus(kv, bucket)
  const current = streamInfo.config.num_replicas
  if (current === replicas) return
  const { name, retention: _r, storage: _s, ...config } = streamInfo.config
  try {
    await js.jetstreamManager().then((jsm) => jsm.streams.update(name, { ...config, num_replicas: replicas }))
  } catch (err) {
    throw new StreamConflictError(
      `kv ${bucket}: cannot change num_replicas ${current} -> ${replicas}: ${reasonOf(err)}`,
      err,
    )
  }
}

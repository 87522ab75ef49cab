import type { JetStreamClient } from '@nats-io/jetstream'
import type { KV, KvOptions } from '@nats-io/kv'
import { Kvm } from '@nats-io/kv'
import { JetStreamRequestError } from './errors.ts'
import type { Namespace } from './namespace.ts'

/** Opens the bucket (namespaced), creating it when missing. Idempotent. */
export async function openKv(
  js: JetStreamClient,
  ns: Namespace,
  bucket: string,
  opts: Partial<KvOptions> = {},
): Promise<KV> {
  try {
    return await new Kvm(js).create(ns.bucket(bucket), opts)
  } catch (err) {
    throw new JetStreamRequestError(`kv ${bucket}`, err)
  }
}

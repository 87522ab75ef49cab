import { randomBytes } from 'node:crypto'

/** The NATS the test run uses (global set-up makes sure it answers). */
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'

/**
 * A bus namespace of its own for a test file: lowercase, unique per call, `<prefix><time><random>`. Streams,
 * subjects and KV buckets of one namespace never meet another's.
 */
export function uniqueNamespace(prefix = 't'): string {
  return `${prefix}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
}

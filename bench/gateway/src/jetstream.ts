/**
 * The bench's view of JetStream: message counts of the gateway's streams (for the acked == stored check) and
 * clean-up of everything the gateway created under the bench's bus namespace (shared server only; the private
 * nats-server is simply stopped and its store directory removed).
 * Physical names follow @chargebus/bus's namespace rule: stream `X` is `<NS>_X`, KV bucket `b` is `KV_<NS>_b`.
 */
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'

export interface JetStreamView {
  /**
   * Physical name of the stream the gateway stores accepted requests in (`Streams.OCPP_IN` of @chargebus/events).
   * The acked == stored check counts only it: the gateway also writes other streams (COMMANDS at boot).
   */
  readonly ocppIn: string
  /** Message counts of the namespace's streams (KV buckets excluded), by physical stream name. */
  counts(): Promise<Record<string, number>>
  /** Stored bytes of the same streams. */
  bytes(): Promise<Record<string, number>>
  /** Deletes every stream (KV and object stores included) of the namespace; returns the deleted names. */
  deleteNamespace(): Promise<string[]>
  close(): Promise<void>
}

export async function openJetStream(servers: string, namespace: string): Promise<JetStreamView> {
  const nc: NatsConnection = await connect({ servers, name: 'bench-gateway' })
  const jsm: JetStreamManager = await jetstreamManager(nc)
  // the empty namespace is only used with the bench's private nats-server, where every stream is ours
  const prefix = namespace ? `${namespace.toUpperCase()}_` : ''
  const owned = (name: string) =>
    name.startsWith(prefix) || name.startsWith(`KV_${prefix}`) || name.startsWith(`OBJ_${prefix}`)
  const isData = (name: string) => !name.startsWith('KV_') && !name.startsWith('OBJ_')
  const list = async () => {
    const out: { name: string; messages: number; bytes: number }[] = []
    for await (const si of jsm.streams.list()) {
      if (owned(si.config.name))
        out.push({ name: si.config.name, messages: si.state.messages, bytes: si.state.bytes })
    }
    return out
  }
  return {
    ocppIn: `${prefix}OCPP_IN`,
    async counts() {
      const out: Record<string, number> = {}
      for (const s of await list()) if (isData(s.name)) out[s.name] = s.messages
      return out
    },
    async bytes() {
      const out: Record<string, number> = {}
      for (const s of await list()) if (isData(s.name)) out[s.name] = s.bytes
      return out
    },
    async deleteNamespace() {
      if (!namespace) throw new Error('refusing to delete streams without a namespace')
      const names = (await list()).map((s) => s.name)
      for (const name of names) await jsm.streams.delete(name)
      return names
    },
    close: () => nc.close(),
  }
}

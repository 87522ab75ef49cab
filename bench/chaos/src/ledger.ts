/**
 * What the gateway stored during one fault's phase: the OCPP_IN messages with a stream sequence in (from, to],
 * read after the phase with an ordered consumer of the bench's own (a fresh one per phase, so a NATS restart
 * during the phase cannot leave the reader behind). The gateway answers only after the PubAck, so every message
 * a station saw acknowledged is among them (`ocpp.in.>`; the faults it answered, `ocpp.fault.>`, are skipped); the rows each message must become follow from its payload
 * (journal.ts of bench/e2e).
 */
import { DeliverPolicy, jetstream } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import { type StoredMessage, toStored } from '../../e2e/src/journal.ts'

export async function readStored(
  nc: NatsConnection,
  stream: string,
  range: { from: number; to: number },
): Promise<StoredMessage[]> {
  if (range.to <= range.from) return []
  const js = jetstream(nc)
  const consumer = await js.consumers.get(stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: range.from + 1,
  })
  const out: StoredMessage[] = []
  const iter = await consumer.consume({ max_messages: 1000 })
  for await (const m of iter) {
    // the stream also keeps the faults answered (`ocpp.fault.>`): only stored requests become rows
    if (m.seq <= range.to && m.subject.startsWith('ocpp.in.'))
      out.push({ ...toStored(m.seq, m.subject, '', m.data), data: new Uint8Array() })
    if (m.seq >= range.to) break
  }
  await iter.close()
  return out
}

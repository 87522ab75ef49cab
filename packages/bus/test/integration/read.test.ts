import { OcppMessageReceived, OcppRequestFaulted, Streams } from '@chargebus/events'
import { DeliverPolicy, jetstream } from '@nats-io/jetstream'
import { headers } from '@nats-io/transport-node'
import { headerBlockOf, parseHeaderBlock } from '../../src/header-block.ts'
import { headersToRecord } from '../../src/headers.ts'
import type { Bus, StoredEvent } from '../../src/index.ts'
import { type Admin, aStationMessage, physicalStream, withBusAndAdmin } from './helpers.ts'

describe('read', () => {
  let bus: Bus
  let admin: Admin

  withBusAndAdmin((opened) => {
    ;({ bus, admin } = opened)
  })

  /** Stores a message as a foreign publisher (or a replay) would: headers as given. */
  async function storeRaw(
    stationId: string,
    payload: unknown,
    hdrs: Record<string, string>,
  ): Promise<number> {
    const h = headers()
    for (const [key, value] of Object.entries(hdrs)) h.set(key, value)
    const subject = `${bus.namespace}.ocpp.in.1_6.${stationId}.MeterValues`
    const reply = await admin.nc.request(subject, JSON.stringify(payload), { headers: h, timeout: 2_000 })
    return (reply.json() as { seq: number }).seq
  }

  test('decodes each message as getMessage does (nats.js parsing the headers), and skips the same ones', async () => {
    const published = aStationMessage({ stationId: 'rd-1' })
    const plain = await bus.publish(OcppMessageReceived, published, {
      msgId: published.messageId,
      headers: { 'X-Note': 'café\tau lait', 'X-Empty': '' },
    })
    const original = aStationMessage({ stationId: 'rd-2' })
    const replayed = await storeRaw('rd-2', original, {
      'Nats-Msg-Id': 'r1:7',
      'Chargebus-Event': OcppMessageReceived.name,
      'Chargebus-Event-Version': '1',
      'Chargebus-Replay': 'r1',
      'Chargebus-Original-Msg-Id': original.messageId,
    })
    const bySubject = await storeRaw('rd-3', aStationMessage({ stationId: 'rd-3' }), {
      'Nats-Msg-Id': 'rd-3',
    })
    // Skipped: a newer version, a catalog event not asked for, a payload that fails its schema.
    const valid = aStationMessage({ stationId: 'rd-4' })
    await storeRaw('rd-4', valid, {
      'Chargebus-Event': OcppMessageReceived.name,
      'Chargebus-Event-Version': '9',
    })
    await storeRaw('rd-4', valid, {
      'Chargebus-Event': OcppRequestFaulted.name,
      'Chargebus-Event-Version': '1',
    })
    await storeRaw(
      'rd-4',
      { stationId: '' },
      { 'Chargebus-Event': OcppMessageReceived.name, 'Chargebus-Event-Version': '1' },
    )

    const events: StoredEvent<typeof OcppMessageReceived>[] = []
    let skipped = 0
    for await (const page of bus.read(Streams.OCPP_IN, [OcppMessageReceived], {
      from: { seq: 1 },
      pageSize: 2,
    })) {
      events.push(...page.events)
      skipped += page.skipped
    }

    expect(events.map((e) => e.seq)).toEqual([plain.seq, replayed, bySubject])
    expect(skipped).toBe(3)
    for (const event of events) {
      const { publishedAt, ...decoded } = event
      const { publishedAt: storedAt, ...stored } = await bus.getMessage(
        Streams.OCPP_IN,
        event.seq,
        OcppMessageReceived,
      )
      expect(decoded).toEqual(stored)
      expect(publishedAt.getTime()).toBe(storedAt.getTime())
    }
    expect(events[0]?.headers['X-Note']).toEqual(['café\tau lait'])
    expect(events[1]?.msgId).toBe(original.messageId) // the original's id, not the copy's own
    expect(events[2]?.msgId).toBe('rd-3')
  })

  test('a delivered message still carries the header block the read parses itself (nats.js internals)', async () => {
    const message = aStationMessage({ stationId: 'rd-block' })
    const ack = await bus.publish(OcppMessageReceived, message, { msgId: message.messageId })
    const consumer = await jetstream(admin.nc).consumers.get(physicalStream(bus, 'OCPP_IN'), {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: ack.seq,
    })

    const m = await consumer.next({ expires: 2_000 })

    const block = headerBlockOf(m)
    expect(block).toMatch(/^NATS\/1\.0\r\n/)
    expect(parseHeaderBlock(block ?? '')).toEqual(headersToRecord(m?.headers))
    expect(headersToRecord(m?.headers)['Nats-Msg-Id']).toEqual([message.messageId])
  })
})

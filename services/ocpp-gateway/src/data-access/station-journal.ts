import type { Bus } from '@chargebus/bus'
import { OcppMessageReceived, type StationMessage } from '@chargebus/events'
import type { Logger } from 'pino'
import { MessageNotStored } from '../domain/errors.ts'

/** What the journal stored: ours, or (for a retry within the duplicate window) the first copy. */
export interface JournalReceipt {
  readonly seq: number
  readonly duplicate: boolean
  /** The response to give: ours, or the stored one for a duplicate. */
  readonly response: Record<string, unknown> | undefined
}

/**
 * The station-message journal: every accepted request goes to `ocpp.in.<version>.<station>.<Action>` and the
 * station is answered only after JetStream stored it. A retry (same `Nats-Msg-Id` in the stream's duplicate
 * window) is stored once and answered from the stored copy, so e.g. a retried StartTransaction gets the same
 * transactionId. Anything but a PubAck is `MessageNotStored` (a Receiver fault: the station retries).
 */
export interface StationJournal {
  record(message: StationMessage, msgId: string): Promise<JournalReceipt>
}

export function createStationJournal(deps: {
  bus: Bus
  logger: Logger
  publishTimeoutMs: number
}): StationJournal {
  const { bus, logger, publishTimeoutMs } = deps
  const options = { msgId: '', timeoutMs: publishTimeoutMs }
  return {
    async record(message, msgId) {
      let result: Awaited<ReturnType<Bus['publish']>>
      try {
        result = await bus.publish(OcppMessageReceived, message, { ...options, msgId })
      } catch (err) {
        throw new MessageNotStored(err)
      }
      if (!result.duplicate) return { seq: result.seq, duplicate: false, response: message.response }
      let stored: StationMessage
      try {
        stored = (await bus.getMessage(result.stream, result.seq, OcppMessageReceived)).data
      } catch (err) {
        // Stored once already, but we cannot tell what the station was told: let it retry.
        throw new MessageNotStored(err)
      }
      if (stored.stationId !== message.stationId || stored.action !== message.action) {
        logger.warn(
          { msgId, seq: result.seq, stored: { station: stored.stationId, action: stored.action } },
          'duplicate Nats-Msg-Id for a different message; answering it as new',
        )
        return { seq: result.seq, duplicate: true, response: message.response }
      }
      return { seq: result.seq, duplicate: true, response: stored.response }
    },
  }
}

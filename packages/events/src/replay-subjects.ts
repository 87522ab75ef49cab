/**
 * Replay lanes: every durable consumer has a lane in the `REPLAY` stream where history is re-delivered to it
 * alone (`chargebus replay`, `chargebus dlq retry`). A replayed message sits at
 * `replay.<stream>.<durable>.<original subject>`; the bus hands the consumer the original subject. The stream
 * is part of the lane because durable names are per stream. Pure; subjects are logical (without namespace).
 *
 * ### Examples
 * ```ts
 * replayLaneSubject('OCPP_IN', 'ingest', 'ocpp.in.1_6.CP-1.Heartbeat') // 'replay.OCPP_IN.ingest.ocpp.in.1_6.CP-1.Heartbeat'
 * replayLaneFilter('OCPP_IN', 'ingest') // 'replay.OCPP_IN.ingest.>'
 * subjectInLane('OCPP_IN', 'ingest', 'replay.OCPP_IN.ingest.ocpp.in.1_6.CP-1.Heartbeat') // 'ocpp.in.1_6.CP-1.Heartbeat'
 * ```
 */
export const REPLAY_SUBJECT_ROOT = 'replay'

/** The logical subjects of the lane of consumer `durable` on `stream`. */
export function replayLaneFilter(stream: string, durable: string): string {
  return `${REPLAY_SUBJECT_ROOT}.${stream}.${durable}.>`
}

/** Where a message with logical `subject` is re-delivered to consumer `durable` on `stream`. */
export function replayLaneSubject(stream: string, durable: string, subject: string): string {
  return `${REPLAY_SUBJECT_ROOT}.${stream}.${durable}.${subject}`
}

/** The original subject of a message in the lane (unchanged when it is not in that lane). */
export function subjectInLane(stream: string, durable: string, laneSubject: string): string {
  const prefix = `${REPLAY_SUBJECT_ROOT}.${stream}.${durable}.`
  return laneSubject.startsWith(prefix) ? laneSubject.slice(prefix.length) : laneSubject
}

/**
 * Where restored history lives. `chargebus restore` publishes archived messages either back into their own
 * catalog stream (original subjects: disaster recovery) or into a restore stream of any other name, where each
 * message sits at `restored.<stream>.<original subject>` so it never reaches the live consumers of the original
 * subject. Replay reads either kind and hands consumers the original subject. Pure; subjects are logical
 * (without the bus namespace).
 *
 * ### Examples
 * ```ts
 * restoredSubject('RESTORED_OCPP_IN', 'ocpp.in.1_6.CP-1.Heartbeat') // 'restored.RESTORED_OCPP_IN.ocpp.in.1_6.CP-1.Heartbeat'
 * originalSubject('RESTORED_OCPP_IN', 'restored.RESTORED_OCPP_IN.ocpp.in.1_6.CP-1.Heartbeat') // 'ocpp.in.1_6.CP-1.Heartbeat'
 * originalSubject('OCPP_IN', 'ocpp.in.1_6.CP-1.Heartbeat') // unchanged
 * ```
 */
export const RESTORED_SUBJECT_ROOT = 'restored'

/** The logical subjects a restore stream named `stream` holds. */
export function restoredSubjects(stream: string): string {
  return `${RESTORED_SUBJECT_ROOT}.${stream}.>`
}

/** The subject a message with logical `subject` gets in the restore stream `stream`. */
export function restoredSubject(stream: string, subject: string): string {
  return `${RESTORED_SUBJECT_ROOT}.${stream}.${subject}`
}

/** The original logical subject of a message read from `stream`: unchanged unless it is a restored copy. */
export function originalSubject(stream: string, subject: string): string {
  const prefix = `${RESTORED_SUBJECT_ROOT}.${stream}.`
  return subject.startsWith(prefix) ? subject.slice(prefix.length) : subject
}

import type { AnyEventDefinition } from './define-event.ts'
import { DeadLetterRecorded } from './events/dead-letter-recorded.ts'
import { OcppMessageReceived } from './events/ocpp-message-received.ts'

/**
 * Every event the system publishes. Adding one: a file in `events/` with its schema and
 * `defineEvent(...)`, one line here, one export in `index.ts`.
 */
export const catalog: readonly AnyEventDefinition[] = [OcppMessageReceived, DeadLetterRecorded]

/** The definition of `name` at `version`, if the catalog has it. */
export function findEvent(name: string, version: number): AnyEventDefinition | undefined {
  return catalog.find((e) => e.name === name && e.version === version)
}

import { createHash } from 'node:crypto'
import {
  type AnyEventDefinition,
  catalog,
  type EventSample,
  subjectMatches,
  type ValidationIssue,
} from '@chargebus/events'
import { InvalidInputError } from '../errors.ts'

/** One input event, matched to its catalog definition and validated: ready to publish or to hand to a handler. */
export interface InputEvent {
  /** 1-based position in the input (for messages). */
  index: number
  def: AnyEventDefinition
  data: unknown
  /** Logical subject, from the definition's `subjectParams`. */
  subject: string
  /** `msgId` of the input, else a hash of event, version and data (the same input is stored once). */
  msgId: string
}

/** Reads stdin to the end (bounded by what a review loop sends: the whole input is validated before use). */
export async function readText(stdin: AsyncIterable<Uint8Array | string> | undefined): Promise<string> {
  if (stdin === undefined) throw new InvalidInputError('no standard input to read events from')
  const chunks: Buffer[] = []
  for await (const chunk of stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Parses one JSON document (an event, or an array of them) or JSON lines. Each item is what `events generate`
 * prints (`{ event, version, subject?, msgId?, data }`), or bare event data when `subject` (a subject of the
 * catalog) says which event it is. Validates EVERY item before returning; throws `InvalidInputError` naming the
 * first bad item, its event and the failing path.
 */
export function parseEvents(text: string, opts: { subject?: string } = {}): InputEvent[] {
  const items = splitItems(text)
  if (items.length === 0) throw new InvalidInputError('no events in the input')
  return items.map((item, i) => toInputEvent(item, i + 1, opts.subject))
}

function splitItems(text: string): unknown[] {
  const trimmed = text.trim()
  if (trimmed === '') return []
  try {
    const doc: unknown = JSON.parse(trimmed)
    return Array.isArray(doc) ? doc : [doc]
  } catch {
    // Not one document: JSON lines.
  }
  const out: unknown[] = []
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    try {
      out.push(JSON.parse(line))
    } catch (err) {
      throw new InvalidInputError(`line ${i + 1} is not JSON: ${(err as Error).message}`)
    }
  }
  return out
}

function toInputEvent(item: unknown, index: number, subjectOption: string | undefined): InputEvent {
  const envelope = isEnvelope(item) ? item : undefined
  const data = envelope ? envelope.data : item
  const subject = envelope?.subject ?? subjectOption
  const def = envelope ? byName(envelope, index) : bySubject(subject, index)
  const issues = def.issues(data)
  if (issues.length > 0)
    throw new InvalidInputError(`event ${index} (${def.name}@${def.version}) is invalid: ${describe(issues)}`)
  const actual = def.subjectOf(data as never)
  if (subject !== undefined && !subject.includes('*') && subject !== actual) {
    throw new InvalidInputError(
      `event ${index} (${def.name}@${def.version}): its data gives subject ${actual}, not ${subject}`,
    )
  }
  const msgId =
    typeof envelope?.msgId === 'string' && envelope.msgId !== ''
      ? envelope.msgId
      : `cli:sha256:${createHash('sha256')
          .update(`${def.name}@${def.version}\n${JSON.stringify(data)}`)
          .digest('hex')}`
  return { index, def, data, subject: actual, msgId }
}

type Envelope = Partial<EventSample> & { event: string; data: unknown; msgId?: unknown }

function isEnvelope(item: unknown): item is Envelope {
  return (
    typeof item === 'object' &&
    item !== null &&
    typeof (item as { event?: unknown }).event === 'string' &&
    'data' in item
  )
}

function byName(envelope: Envelope, index: number): AnyEventDefinition {
  const named = catalog.filter((e) => e.name === envelope.event)
  const def =
    envelope.version === undefined ? named.at(-1) : named.find((e) => e.version === envelope.version)
  if (def === undefined) {
    throw new InvalidInputError(
      `event ${index}: ${envelope.event}@${envelope.version ?? 'latest'} is not in the catalog (chargebus events list)`,
    )
  }
  return def
}

function bySubject(subject: string | undefined, index: number): AnyEventDefinition {
  if (subject === undefined) {
    throw new InvalidInputError(
      `event ${index} has no "event" field: give { event, data } (as events generate prints) or --subject`,
    )
  }
  const defs = catalog.filter(
    (e) => subjectMatches(e.subject.filter, subject) || e.subject.filter === subject,
  )
  if (defs.length !== 1) {
    throw new InvalidInputError(
      defs.length === 0
        ? `subject ${subject} matches no catalog event (chargebus events list)`
        : `subject ${subject} matches several catalog events (${defs.map((e) => e.name).join(', ')}): use { event, data }`,
    )
  }
  return defs[0] as AnyEventDefinition
}

function describe(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path || '/'} ${i.message}`).join('; ')
}

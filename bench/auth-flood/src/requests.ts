/**
 * What each load sends: honest stations (their own credentials and client address, MeterValues and
 * StatusNotification in turn) or one of the floods. Client addresses reach the gateway as
 * `X-Forwarded-For` from a trusted proxy (`HTTP_TRUST_PROXY=127.0.0.1`), as behind a load balancer.
 */
import { fill, soapTemplates, type Template } from '../../gateway/src/messages.ts'

export interface HonestStation {
  id: string
  password: string
  address: string
}

/** `one-address`: every bad password from one client; `many-addresses`: each from a client never seen. */
export type FloodKind = 'one-address' | 'many-addresses' | 'unknown-stations'

export type RequestPlan =
  | { kind: 'stations'; endpointUrl: string; stations: HonestStation[] }
  /** Bad passwords for `targets` (the honest stations' identities), or for identities nobody has. */
  | { kind: FloodKind; endpointUrl: string; targets: string[] }

export interface PlannedRequest {
  headers: Record<string, string>
  body: string
}

/** Request `i` of a load run (`runId` keeps message ids and flood addresses apart between runs). */
export function requestAt(plan: RequestPlan, i: number, runId: string): PlannedRequest {
  const templates = templatesFor(plan.endpointUrl)
  const messageId = `urn:uuid:${runId}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`
  if (plan.kind === 'stations') {
    const n = plan.stations.length
    const station = plan.stations[i % n] as HonestStation
    const template = templates[Math.floor(i / n) % templates.length] as Template
    return soapRequest(template, station.id, messageId, basic(station.id, station.password), station.address)
  }
  const template = templates[0] as Template
  const password = `guess-${runId}-${i}`
  const id =
    plan.kind === 'unknown-stations'
      ? `NOBODY-${runId}-${i}`
      : (plan.targets[i % plan.targets.length] as string)
  const seed = Number.parseInt(runId, 16)
  const address = plan.kind === 'one-address' ? attackerAddress(seed) : botAddress(seed + i)
  return soapRequest(template, id, messageId, basic(id, password), address)
}

function soapRequest(
  template: Template,
  id: string,
  messageId: string,
  authorization: string,
  address: string,
): PlannedRequest {
  return {
    headers: {
      'content-type': template.contentType,
      authorization,
      'x-forwarded-for': address,
    },
    body: fill(template.body, id, messageId),
  }
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

/** One attacker per run, from 198.18.0.0/15 (benchmarking space), so no run inherits another's throttle. */
function attackerAddress(seed: number): string {
  const host = seed % (1 << 17)
  return `198.${18 + (host >> 16)}.${(host >> 8) & 255}.${host & 255}`
}

/** The n-th address of 100.64.0.0/10 (shared address space: 4 million clients, one per bad password). */
function botAddress(n: number): string {
  const host = n % (1 << 22)
  return `100.${64 + (host >> 16)}.${(host >> 8) & 255}.${host & 255}`
}

const cached = new Map<string, Template[]>()
function templatesFor(endpointUrl: string): Template[] {
  let templates = cached.get(endpointUrl)
  if (templates === undefined) {
    templates = soapTemplates(endpointUrl)
    cached.set(endpointUrl, templates)
  }
  return templates
}

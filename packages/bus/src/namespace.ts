import { InvalidBusOptionsError } from './errors.ts'

/**
 * Maps logical names (from the catalog) to physical ones. With namespace `t123`: stream `OCPP_IN` is
 * `T123_OCPP_IN`, subject `ocpp.in.x` is `t123.ocpp.in.x`, KV bucket `stations` is `T123_stations`.
 * The empty namespace maps everything to itself.
 */
export interface Namespace {
  readonly name: string
  stream(logical: string): string
  logicalStream(physical: string): string
  subject(logical: string): string
  logicalSubject(physical: string): string
  bucket(logical: string): string
  /** Whether a physical stream name (KV streams included) belongs to this namespace. */
  ownsStream(physical: string): boolean
}

const VALID = /^[a-z][a-z0-9_-]{0,31}$/

export function createNamespace(name = ''): Namespace {
  if (name !== '' && !VALID.test(name)) {
    throw new InvalidBusOptionsError(`namespace ${JSON.stringify(name)} must match ${VALID}`)
  }
  const streamPrefix = name ? `${name.toUpperCase()}_` : ''
  const subjectPrefix = name ? `${name}.` : ''
  return {
    name,
    stream: (logical) => streamPrefix + logical,
    logicalStream: (physical) =>
      physical.startsWith(streamPrefix) ? physical.slice(streamPrefix.length) : physical,
    subject: (logical) => subjectPrefix + logical,
    logicalSubject: (physical) =>
      physical.startsWith(subjectPrefix) ? physical.slice(subjectPrefix.length) : physical,
    bucket: (logical) => streamPrefix + logical,
    ownsStream: (physical) =>
      name !== '' && (physical.startsWith(streamPrefix) || physical.startsWith(`KV_${streamPrefix}`)),
  }
}

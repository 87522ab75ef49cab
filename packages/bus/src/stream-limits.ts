import { allStreams, type StreamDefinition } from '@chargebus/events'
import { type TOptional, type TString, Type } from 'typebox'

/** The limits of one stream as JetStream enforces them (`discard: old` at either). */
export interface StreamLimits {
  readonly maxBytes: number
  readonly maxAgeMs: number
}

/** Resolved limits per logical stream name (what `connectBus({ streamLimits })` takes). */
export type StreamLimitsByName = Readonly<Record<string, StreamLimits>>

const SIZE = /^(\d+)\s*(B|KiB|MiB|GiB|TiB)?$/
const DURATION = /^(\d+)\s*(s|m|h|d)$/
const SIZE_UNITS = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 } as const
const DURATION_UNITS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** `64MiB` → 67108864; a plain number is bytes. Pure; the config schema has checked the form already. */
export function parseSize(text: string): number {
  const m = SIZE.exec(text.trim())
  if (!m) throw new RangeError(`not a size: ${JSON.stringify(text)}`)
  return Number(m[1]) * SIZE_UNITS[(m[2] ?? 'B') as keyof typeof SIZE_UNITS]
}

/** `7d` → 604800000. Pure; the config schema has checked the form already. */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim())
  if (!m) throw new RangeError(`not a duration: ${JSON.stringify(text)}`)
  return Number(m[1]) * DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS]
}

/** The variable names of a stream's limits: `BUS_STREAM_OCPP_IN_MAX_BYTES`, `BUS_STREAM_OCPP_IN_MAX_AGE`. */
export function streamLimitVariables(stream: string): { maxBytes: string; maxAge: string } {
  return { maxBytes: `BUS_STREAM_${stream}_MAX_BYTES`, maxAge: `BUS_STREAM_${stream}_MAX_AGE` }
}

function formatSize(bytes: number): string {
  for (const unit of ['TiB', 'GiB', 'MiB', 'KiB'] as const)
    if (bytes % SIZE_UNITS[unit] === 0) return `${bytes / SIZE_UNITS[unit]}${unit}`
  return String(bytes)
}

function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const)
    if (ms % DURATION_UNITS[unit] === 0) return `${ms / DURATION_UNITS[unit]}${unit}`
  return `${Math.ceil(ms / 1000)}s`
}

function limitsConfigOf(streams: readonly StreamDefinition[]): Record<string, TOptional<TString>> {
  const props: Record<string, TOptional<TString>> = {}
  for (const s of streams) {
    const names = streamLimitVariables(s.name)
    props[names.maxBytes] = Type.Optional(
      Type.String({
        pattern: SIZE.source,
        expected: 'a size such as 64MiB or 48GiB (B, KiB, MiB, GiB, TiB; a plain number is bytes)',
        description: `Largest size of stream ${s.name} (the oldest messages go beyond it). Unset: ${formatSize(s.maxBytes)} with NODE_ENV=production, else ${formatSize(s.devMaxBytes)}.`,
      }),
    )
    props[names.maxAge] = Type.Optional(
      Type.String({
        pattern: DURATION.source,
        expected: 'a duration such as 7d, 12h, 30m or 90s',
        description: `Messages of stream ${s.name} older than this are removed. Unset: ${formatDuration(s.maxAgeMs)}.`,
      }),
    )
  }
  return props
}

/**
 * The stream limits every process that declares streams reads (gateway, ingest, api, archiver, CLI, benches),
 * as TypeBox properties to spread into its config schema, so all of them declare the same limits and never
 * update a stream back and forth. Two variables per catalog stream: `BUS_STREAM_<NAME>_MAX_BYTES` (`64MiB`)
 * and `BUS_STREAM_<NAME>_MAX_AGE` (`7d`). Unset, production (NODE_ENV=production) uses the catalog's sizes
 * and every other environment small ones (nats-server reserves `max_bytes` up front).
 *
 * ### Examples
 * ```ts
 * export const ArchiverConfig = Type.Object({ ...commonConfig.nats, ...streamLimitsConfig })
 * const bus = await connectBus({ ...natsAccessFrom(config), streamLimits: streamLimitsFrom(config), ... })
 * ```
 */
export const streamLimitsConfig = limitsConfigOf(allStreams)

/**
 * Resolves the limits of every stream from a config that spread `streamLimitsConfig` (plus `NODE_ENV`):
 * a variable when set, else the default of the environment. Pure.
 */
export function streamLimitsFrom(
  config: Readonly<Record<string, unknown>> & { NODE_ENV?: string | undefined },
  streams: readonly StreamDefinition[] = allStreams,
): StreamLimitsByName {
  const production = config.NODE_ENV === 'production'
  const out: Record<string, StreamLimits> = {}
  for (const s of streams) {
    const names = streamLimitVariables(s.name)
    const bytes = config[names.maxBytes]
    const age = config[names.maxAge]
    out[s.name] = {
      maxBytes:
        typeof bytes === 'string' && bytes !== ''
          ? parseSize(bytes)
          : production
            ? s.maxBytes
            : s.devMaxBytes,
      maxAgeMs: typeof age === 'string' && age !== '' ? parseDuration(age) : s.maxAgeMs,
    }
  }
  return out
}

/** The development limits of every stream: what a bus uses when it was given none. */
export const developmentStreamLimits: StreamLimitsByName = streamLimitsFrom({})

/**
 * The one source of "now" for a service's time-dependent rules (sweeps, expiry, lag guards, discovery
 * windows). `main` wires `systemClock`; tests pass a pinned or shifted clock, so no rule ever reads the
 * wall clock behind a test's back. Durations (timeouts, batch waits) are not rules about the calendar and
 * use `performance.now()` instead, which a clock change cannot make negative.
 *
 * ### Examples
 * ```ts
 * const at = (iso: string): Clock => () => new Date(iso)
 * const deps = { ...await openIngestDependencies(config, logger), clock: at('2026-11-26T11:05:00Z') }
 * ```
 */
export type Clock = () => Date

export const systemClock: Clock = () => new Date()

import { ReadinessTimeoutError } from './errors.ts'

/** Resolves when a dependency answers; throws (or rejects) when it does not. */
export type ReadinessCheck = () => Promise<void>

/** The outcome of one check, as `/readyz` shows it. */
export type CheckResult =
  | { status: 'ok'; durationMs: number }
  | { status: 'failed'; durationMs: number; error: string }

export interface ReadinessReport {
  ready: boolean
  checks: Record<string, CheckResult>
}

/**
 * Runs every check at once, each bounded by `timeoutMs`, and never rejects. Why the bound: a
 * check that hangs (a half-open socket, an exhausted pool) must turn the probe red, not stall it
 * until the orchestrator's own timeout hides which dependency is at fault.
 *
 * ### Examples
 * ```ts
 * const report = await runReadinessChecks({ postgres: () => pingDatabase(db), nats: () => bus.ping() }, 2000)
 * // { ready: false, checks: { postgres: { status: 'ok', … }, nats: { status: 'failed', error: '…', … } } }
 * ```
 */
export async function runReadinessChecks(
  checks: Readonly<Record<string, ReadinessCheck>>,
  timeoutMs: number,
): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(
      async ([name, check]) => [name, await runOne(name, check, timeoutMs)] as const,
    ),
  )
  return { ready: entries.every(([, result]) => result.status === 'ok'), checks: Object.fromEntries(entries) }
}

async function runOne(name: string, check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReadinessTimeoutError(name, timeoutMs)), timeoutMs)
  })
  try {
    // Promise.resolve().then(check) also turns a synchronous throw into a failed check.
    await Promise.race([Promise.resolve().then(check), timeout])
    return { status: 'ok', durationMs: elapsed(started) }
  } catch (err) {
    return { status: 'failed', durationMs: elapsed(started), error: describeError(err) }
  } finally {
    clearTimeout(timer)
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10
}

function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    return err.errors.map(describeError).join('; ')
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    const message = err.message || err.name
    return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message
  }
  return String(err)
}

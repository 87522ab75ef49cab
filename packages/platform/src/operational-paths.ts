/** Routes orchestrators and scrapers poll every few seconds: no traces, and their own error format. */
export const OPERATIONAL_PATHS: readonly string[] = ['/healthz', '/readyz', '/metrics']

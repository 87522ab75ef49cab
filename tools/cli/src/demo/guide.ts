/** Where the stack listens, as `pnpm start` announces it. */
export interface StackAddresses {
  readonly api: string
  readonly gateway: string
}

/** The addresses in `pnpm start`'s "services up" line, or undefined for any other line. */
export function parseStartLine(line: string): StackAddresses | undefined {
  const api = /API docs (\S+)\/docs/.exec(line)?.[1]
  const gateway = /stations: (\S+)\/ocpp\/1\.6/.exec(line)?.[1]
  return line.startsWith('start:') && api !== undefined && gateway !== undefined
    ? { api, gateway }
    : undefined
}

/** What the demo prints once the fleet has charged: where to look, with commands to paste. */
export function demoGuide(
  at: StackAddresses,
  key: string,
  outcome: { burstExit: number; sessions: number },
  now: Date,
): string {
  const auth = `-H 'Authorization: Bearer ${key}'`
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
  const range = `from=${day.toISOString()}&to=${new Date(day.getTime() + 86_400_000).toISOString()}`
  return `
Chargebus demo: ${outcome.sessions} sessions of station DEMO-00001 read back through the API${outcome.burstExit === 0 ? '' : ' (the burst reported problems above)'}

  API docs (try it out)  ${at.api}/docs        development key: ${key}
  stations               curl ${auth} '${at.api}/v1/stations?limit=5'
  sessions               curl ${auth} '${at.api}/v1/sessions?limit=5'
  energy today           curl ${auth} '${at.api}/v1/aggregates/energy?interval=hour&groupBy=network&${range}'
  live events (SSE)      curl -N ${auth} '${at.api}/v1/events'
  a command              curl ${auth} -H 'Content-Type: application/json' -d '{"operation":"Reset","payload":{"type":"Soft"}}' '${at.api}/v1/stations/DEMO-00001/commands'
  OCPP endpoint          ${at.gateway}/ocpp/1.6 (and /ocpp/1.5)

`
}

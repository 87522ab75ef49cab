import { parseArgs } from 'node:util'
import {
  DEFAULT_FLEET_OPTIONS as D,
  type FleetOptions,
  type FleetProgress,
  gatewayUrls,
  SimulatorOptionError,
  startFleet,
  validateFleetOptions,
} from '@chargebus/simulator'
import type { Command, Env, Output } from '../context.ts'
import { assertGatewayAnswers, registerTag } from '../simulate/preflight.ts'
import { createStallWatch, verdict } from '../simulate/verdict.ts'

/** Seconds without one answered call (while calls fail) after which the run stops: the gateway is gone. */
const STALL_S = 15

export const command: Command = {
  summary: 'run a fleet of simulated OCPP 1.5/1.6 SOAP stations against the gateway; prints a JSON summary',
  usage: `usage: chargebus simulate [--stations N] [--profile steady|burst] [--ocpp 1.6|1.5] [--url URL]
                          [--duration S] [--seed N] [--id-prefix SIM] [--id-tag TAG] [--listen HOST:PORT]
                          [--concurrency N] [--sessions N] [--meter-values N] [--meter-interval S]
                          [--session-chance P] [--ramp S] [--timeout S]
                          [--expect-sessions N] [--no-register-tag] [--namespace NAME]

N stations (SOAP 1.2, chargeBoxIdentity + WS-Addressing, unique MessageIDs) boot, heartbeat, report status and
charge: Authorize, StartTransaction, MeterValues (energy register, power, current, voltage, SoC),
StopTransaction. Their ChargePointService is one HTTP server (--listen) with a path per station
(/cp/<id>, sent as wsa:From); it obeys RemoteStart/StopTransaction, Reset, TriggerMessage, UnlockConnector,
ChangeAvailability, Get/ChangeConfiguration, ClearCache and DataTransfer.

  --stations N        stations (default 10), ids <id-prefix>-00001...
  --profile P         steady: sessions start by chance (--session-chance per minute), meter values every
                      --meter-interval s, for --duration s (default 60); burst: every station boots at once and
                      runs --sessions sessions of --meter-values MeterValues as fast as the gateway answers
                      (--duration caps it, default 600)
  --ocpp V            1.6 (default) or 1.5; --url defaults to http://127.0.0.1:3100/ocpp/<V>
  --url U1,U2         several gateway replicas: station i always talks to the (i mod n)-th, as behind a load
                      balancer (pnpm start --replicas ocpp-gateway=2 prints the list)
  --seed N            same seed, same station decisions (default ${D.seed})
  --id-tag TAG        the tag stations charge with (default ${D.idTag}). In development (NODE_ENV unset or
                      development) simulate registers it as Accepted in the gateway's id-tag bucket (NATS_URL)
                      and says so; elsewhere, or with --no-register-tag, the gateway must know it already:
                      pnpm chargebus id-tags add ${D.idTag}  (or run the gateway with OCPP_AUTHORIZE_UNKNOWN=true)
  --expect-sessions N exit 1 unless at least N sessions completed (burst runs expect at least 1 anyway)
  --listen HOST:PORT  ChargePointService address (default ${D.listen.host}:0, a free port)
  --concurrency N     most sockets open to the gateway at once (keep-alive; default ${D.concurrency})
  --timeout S         per request (default ${D.timeoutMs / 1000})

A progress line goes to stderr when it is a terminal; the JSON summary (calls by operation, failed calls by
reason, latency p50/p99 per operation, sessions, commands obeyed, duration) goes to stdout.
A gateway that does not answer at --url fails the run at once (one line, exit 1, no station started); one
that stops answering for ${STALL_S} s while calls fail ends the run early. After the summary, stderr says what
went wrong: refused sessions (with the command that fixes an unknown tag), failed calls, too few sessions.
Exit code 1 when any of these happened.`,

  async run(args, { env, stdout, stderr }) {
    const { values } = parseArgs({
      args,
      options: {
        stations: { type: 'string', default: '10' },
        profile: { type: 'string', default: 'steady' },
        ocpp: { type: 'string', default: '1.6' },
        url: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string', default: String(D.seed) },
        'id-prefix': { type: 'string', default: D.idPrefix },
        'id-tag': { type: 'string', default: D.idTag },
        listen: { type: 'string', default: `${D.listen.host}:${D.listen.port}` },
        concurrency: { type: 'string', default: String(D.concurrency) },
        sessions: { type: 'string', default: String(D.sessions) },
        'meter-values': { type: 'string', default: String(D.meterValues) },
        'meter-interval': { type: 'string', default: String(D.meterIntervalS) },
        'session-chance': { type: 'string', default: String(D.sessionChance) },
        ramp: { type: 'string', default: String(D.rampS) },
        timeout: { type: 'string', default: String(D.timeoutMs / 1000) },
        'expect-sessions': { type: 'string' },
        'register-tag': { type: 'boolean' },
        namespace: { type: 'string' },
      },
      allowNegative: true,
      strict: true,
      allowPositionals: false,
    })
    const profile = values.profile
    if (profile !== 'steady' && profile !== 'burst') throw usageError('--profile must be steady or burst')
    const ocpp = values.ocpp
    if (ocpp !== '1.6' && ocpp !== '1.5') throw usageError('--ocpp must be 1.6 or 1.5')
    const options: FleetOptions = {
      ...D,
      stations: int(values.stations, '--stations'),
      profile,
      ocppVersion: ocpp,
      url: values.url ?? `http://127.0.0.1:3100/ocpp/${ocpp}`,
      durationS: num(values.duration ?? (profile === 'burst' ? '600' : '60'), '--duration'),
      seed: int(values.seed, '--seed'),
      idPrefix: values['id-prefix'],
      idTag: values['id-tag'],
      listen: listenAddress(values.listen),
      concurrency: int(values.concurrency, '--concurrency'),
      sessions: int(values.sessions, '--sessions'),
      meterValues: int(values['meter-values'], '--meter-values'),
      meterIntervalS: int(values['meter-interval'], '--meter-interval'),
      sessionChance: num(values['session-chance'], '--session-chance'),
      rampS: num(values.ramp, '--ramp'),
      timeoutMs: num(values.timeout, '--timeout') * 1000,
    }

    const expectSessions =
      values['expect-sessions'] === undefined
        ? undefined
        : int(values['expect-sessions'], '--expect-sessions')
    const registerWanted = values['register-tag'] ?? isDevelopment(env)

    try {
      validateFleetOptions(options)
    } catch (err) {
      if (err instanceof SimulatorOptionError) throw usageError(err.message)
      throw err
    }
    for (const url of gatewayUrls(options.url))
      await assertGatewayAnswers(url, Math.min(options.timeoutMs, 5000))
    let registeredTag = false
    if (registerWanted) {
      // the gateway's bus namespace: --namespace, else BUS_NAMESPACE as the services read it
      const namespace = values.namespace ?? (env.BUS_NAMESPACE || undefined)
      const outcome = await registerTag(env, options.idTag, namespace)
      registeredTag = outcome === 'registered' || outcome === 'already-accepted'
      stderr.write(`simulate: ${tagLine(options.idTag, outcome)}\n`)
    }

    const tty = (stderr as Output & { isTTY?: boolean }).isTTY === true
    const stalledAfter = createStallWatch(STALL_S)
    let stalled: string | undefined
    // the first progress tick comes a second after startFleet resolves, when `fleet` is set
    let stopFleet = () => {}
    const fleet = await startFleet(options, {
      onProgress: (p) => {
        if (tty) stderr.write(`\r${progressLine(p)}`)
        if (stalled === undefined && stalledAfter(p)) {
          stalled = `the gateway at ${options.url} answered no call for ${STALL_S} s (${p.failed} calls failed)`
          stopFleet()
        }
      },
    })
    stopFleet = () => fleet.stop()
    stderr.write(
      `simulate: ${options.stations} stations (${profile}, OCPP ${ocpp}) -> ${options.url}; ` +
        `ChargePointService ${fleet.urlOf(fleet.ids[0] ?? '')}\n`,
    )
    // Ctrl-C ends the run the way --duration does: sessions stop, the summary is printed.
    const onSignal = () => fleet.stop()
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      const summary = await fleet.done
      if (tty) stderr.write('\n')
      stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
      const judged = verdict(summary, { idTag: options.idTag, registeredTag, expectSessions, stalled })
      for (const line of judged.lines) stderr.write(`${line}\n`)
      return judged.exitCode
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  },
}

/** Development conveniences apply unless NODE_ENV names another deployment kind (the services' rule). */
function isDevelopment(env: Env): boolean {
  return (env.NODE_ENV ?? '') === '' || env.NODE_ENV === 'development'
}

function tagLine(idTag: string, outcome: Awaited<ReturnType<typeof registerTag>>): string {
  if (outcome === 'registered')
    return `registered id tag ${idTag} as Accepted (development; --no-register-tag to skip)`
  if (outcome === 'already-accepted') return `id tag ${idTag} is already Accepted`
  return `id tag ${idTag} is ${outcome.kept} in the gateway's bucket; left as it is (sessions will be refused)`
}

function progressLine(p: FleetProgress): string {
  return (
    `[${p.elapsedS.toFixed(0).padStart(4)}s] up ${p.stationsUp}/${p.stations}  ` +
    `${p.callsPerS.toFixed(0).padStart(5)} msg/s  calls ${p.calls}  sessions ${p.sessionsCompleted}  errors ${p.failed}   `
  )
}

function listenAddress(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':')
  const host = at > 0 ? text.slice(0, at).replace(/^\[|\]$/g, '') : ''
  const port = Number(text.slice(at + 1))
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw usageError(`--listen must be HOST:PORT (got ${JSON.stringify(text)})`)
  return { host, port }
}

function int(text: string, name: string): number {
  const n = Number(text)
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw usageError(`${name} must be an integer`)
  return n
}

function num(text: string, name: string): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n)) throw usageError(`${name} must be a number`)
  return n
}

function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' })
}

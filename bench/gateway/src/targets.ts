/**
 * The three systems under test, each started as its own process: bare Fastify (baseline), a minimal
 * `soap`-package server, and the Chargebus OCPP gateway started like production (`node src/main.ts`).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { jsonTemplates, soapTemplates, type Template } from './messages.ts'
import type { TargetName } from './options.ts'
import { type Started, startProcess } from './processes.ts'

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const GATEWAY_MAIN = join(REPO_ROOT, 'services/ocpp-gateway/src/main.ts')

export interface Target {
  readonly name: TargetName
  readonly url: string
  /** Answers (with `readyStatus`) once the server can take load. */
  readonly readyUrl: string
  readonly readyStatus: number | undefined
  readonly templates: Template[]
  /** True when the replies are SOAP (checked for RelatesTo in the preflight). */
  readonly soap: boolean
  start(logFile: string, cpus: string | undefined): Started
}

export interface TargetContext {
  basePort: number
  natsUrl: string
  /** With a shared NATS server: the gateway's namespace env variable and a fresh namespace (deleted at the end). */
  namespace: { env: string; value: string } | undefined
  /** The floor target's bus namespace (under the gateway's on a shared server, so it is deleted with it). */
  floorNamespace: string
  /** gateway-traced's bus namespace (its own streams: the gateway's correctness check counts only its own). */
  tracedNamespace?: string
  /** OTLP/HTTP base URL of the bench's accept-and-drop receiver (gateway-traced exports there). */
  otlpEndpoint?: string
  gatewayEnv: Record<string, string>
  /** Extra `node` flags for every server process (e.g. `--cpu-prof`). */
  nodeArgs: string[]
  /** More than 1: the gateway runs as that many processes behind one port (bench/e2e/src/replicas.ts). */
  gatewayProcesses: number
}

export function defineTarget(name: TargetName, ctx: TargetContext): Target {
  const node = process.execPath
  switch (name) {
    case 'fastify': {
      const port = ctx.basePort
      const base = `http://127.0.0.1:${port}`
      return {
        name,
        url: `${base}/ingest`,
        readyUrl: `${base}/healthz`,
        readyStatus: 200,
        templates: jsonTemplates(),
        soap: false,
        start: (logFile, cpus) =>
          startProcess({
            name,
            command: node,
            args: [...ctx.nodeArgs, fileURLToPath(new URL('./targets/bare-fastify.ts', import.meta.url))],
            env: { PORT: String(port) },
            cpus,
            logFile,
          }),
      }
    }
    case 'floor': {
      const port = ctx.basePort + 4
      const base = `http://127.0.0.1:${port}`
      return {
        name,
        url: `${base}/ocpp/1.6`,
        readyUrl: `${base}/healthz`,
        readyStatus: 200,
        templates: soapTemplates(`${base}/ocpp/1.6`),
        soap: false,
        start: (logFile, cpus) =>
          startProcess({
            name,
            command: node,
            args: [...ctx.nodeArgs, fileURLToPath(new URL('./targets/durable-floor.ts', import.meta.url))],
            cwd: REPO_ROOT,
            env: { PORT: String(port), NATS_URL: ctx.natsUrl, BUS_NAMESPACE: ctx.floorNamespace },
            cpus,
            logFile,
          }),
      }
    }
    case 'soap': {
      const port = ctx.basePort + 1
      const url = `http://127.0.0.1:${port}/ocpp/1.6`
      return {
        name,
        url,
        readyUrl: `${url}?wsdl`,
        readyStatus: 200,
        templates: soapTemplates(url),
        soap: true,
        start: (logFile, cpus) =>
          startProcess({
            name,
            command: node,
            args: [...ctx.nodeArgs, fileURLToPath(new URL('./targets/soap-server.ts', import.meta.url))],
            env: { PORT: String(port) },
            cpus,
            logFile,
          }),
      }
    }
    case 'gateway':
      return gatewayTarget(name, ctx.basePort + 2, ctx, {
        ...(ctx.namespace ? { [ctx.namespace.env]: ctx.namespace.value } : {}),
      })
    case 'gateway-traced':
      if (ctx.otlpEndpoint === undefined) throw new Error('gateway-traced needs an OTLP endpoint')
      // The same gateway with tracing on at the default sampling (OTEL_TRACES_SAMPLER_ARG unset).
      return gatewayTarget(name, ctx.basePort + 5, ctx, {
        [ctx.namespace?.env ?? 'BUS_NAMESPACE']: ctx.tracedNamespace ?? 'traced',
        OTEL_EXPORTER_OTLP_ENDPOINT: ctx.otlpEndpoint,
      })
  }
}

function gatewayTarget(
  name: 'gateway' | 'gateway-traced',
  port: number,
  ctx: TargetContext,
  env: Record<string, string>,
): Target {
  const base = `http://127.0.0.1:${port}`
  const url = `${base}/ocpp/1.6`
  return {
    name,
    url,
    readyUrl: `${base}/readyz`,
    readyStatus: 200,
    templates: soapTemplates(url),
    soap: true,
    start: (logFile, cpus) => {
      if (!existsSync(GATEWAY_MAIN)) throw new Error(`gateway not found: ${GATEWAY_MAIN} does not exist yet`)
      const cluster = fileURLToPath(new URL('../../e2e/src/replicas.ts', import.meta.url))
      return startProcess({
        name,
        command: process.execPath,
        args: [...ctx.nodeArgs, ctx.gatewayProcesses > 1 ? cluster : GATEWAY_MAIN],
        cwd: REPO_ROOT,
        env: {
          BENCH_REPLICA_MAIN: GATEWAY_MAIN,
          BENCH_REPLICAS: String(ctx.gatewayProcesses),
          BENCH_REPLICA_FOLLOWER_ENV: JSON.stringify({ OCPP_COMMANDS_ENABLED: 'false' }),
          NODE_ENV: 'production',
          // the production stream sizes are for a fleet; the bench's private server needs a few GiB
          BUS_STREAM_OCPP_IN_MAX_BYTES: '4GiB',
          BUS_STREAM_COMMANDS_MAX_BYTES: '256MiB',
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          NATS_URL: ctx.natsUrl,
          OCPP_REGISTRATION: 'accept-all',
          // measured without station passwords, as before they were the production default (bench:auth-flood
          // measures what authentication costs)
          OCPP_REQUIRE_BASIC_AUTH: 'false',
          OCPP_ALLOW_UNAUTHENTICATED_STATIONS: 'true',
          // no capability discovery: the booted bench stations give an unroutable callback address (10.20.0.17),
          // and calling 200 of them in the background is not the request path this bench measures
          OCPP_CAPABILITIES_DELAY_MS: '-1',
          ...env,
          ...ctx.gatewayEnv,
        },
        cpus,
        logFile,
      })
    },
  }
}

/**
 * Load generators: wrk (C, with wrk/rotate.lua) or autocannon (Node, src/autocannon-client.ts), each run as
 * its own process under `/usr/bin/time` so the client's own CPU cost is measured too. Both send the same
 * templates with the same rotation (identity, wsa:MessageID) and report the same normalized result.
 */
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { runToEnd } from './processes.ts'

export const LOADGENS = ['wrk', 'autocannon'] as const
export type Loadgen = (typeof LOADGENS)[number]

export interface LoadSpec {
  url: string
  /** File written by `wrkTemplateFile` (both generators read it). */
  templatesFile: string
  connections: number
  /** wrk threads (autocannon is one Node process). */
  threads: number
  durationS: number
  stations: number
  idPrefix: string
  /** `taskset -c` list for the load generator, or undefined. */
  cpus: string | undefined
}

export interface LoadResult {
  requests: number
  durationS: number
  rps: number
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number }
  /** Responses with a 2xx status (what the server acknowledged). */
  ok: number
  errors: { connect: number; read: number; write: number; timeout: number; non2xx: number }
  /** CPU seconds the load generator used (user + system). */
  loadgenCpuS: number
  msgIdPrefix: string
}

const LUA = fileURLToPath(new URL('../wrk/rotate.lua', import.meta.url))
const AUTOCANNON_CLIENT = fileURLToPath(new URL('./autocannon-client.ts', import.meta.url))

/** A `urn:uuid:` prefix (8-4-4-4-) unique per load-generator run; clients append 12 hex digits. */
export function newMsgIdPrefix(): string {
  const h = randomBytes(10).toString('hex')
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(12, 15)}-8${h.slice(15, 18)}-`
}

export async function runLoad(
  loadgen: Loadgen,
  spec: LoadSpec,
  onStart?: (child: ChildProcess) => void,
): Promise<LoadResult> {
  const msgIdPrefix = newMsgIdPrefix()
  const time = ['-f', 'LOADGEN_CPU %U %S']
  const args =
    loadgen === 'wrk'
      ? [
          ...time,
          'wrk',
          `-t${spec.threads}`,
          `-c${spec.connections}`,
          `-d${spec.durationS}s`,
          '--timeout',
          '5s',
          '-s',
          LUA,
          spec.url,
          '--',
          spec.templatesFile,
          String(spec.stations),
          spec.idPrefix,
          msgIdPrefix,
        ]
      : [
          ...time,
          process.execPath,
          AUTOCANNON_CLIENT,
          JSON.stringify({
            url: spec.url,
            templatesFile: spec.templatesFile,
            connections: spec.connections,
            durationS: spec.durationS,
            stations: spec.stations,
            idPrefix: spec.idPrefix,
            msgIdPrefix,
          }),
        ]
  const res = await runToEnd('/usr/bin/time', args, spec.cpus, onStart)
  const marker = loadgen === 'wrk' ? 'WRK_JSON ' : 'AC_JSON '
  const line = res.stdout.split('\n').find((l) => l.startsWith(marker))
  const cpu = /LOADGEN_CPU ([\d.]+) ([\d.]+)/.exec(res.stderr)
  if (res.code !== 0 || !line || !cpu)
    throw new Error(
      `${loadgen} failed (exit ${res.code}):\n${res.stdout.slice(-2000)}\n${res.stderr.slice(-2000)}`,
    )
  const loadgenCpuS = Number(cpu[1]) + Number(cpu[2])
  const raw = JSON.parse(line.slice(marker.length)) as RawResult
  const durationS = raw.durationUs / 1e6
  const nonOk = raw.errors.status
  return {
    requests: raw.requests,
    durationS,
    rps: raw.requests / durationS,
    latencyMs: {
      p50: raw.latencyUs.p50 / 1000,
      p90: raw.latencyUs.p90 / 1000,
      p99: raw.latencyUs.p99 / 1000,
      p999: raw.latencyUs.p999 / 1000,
      max: raw.latencyUs.max / 1000,
      mean: raw.latencyUs.mean / 1000,
    },
    ok: raw.requests - nonOk,
    errors: {
      connect: raw.errors.connect,
      read: raw.errors.read,
      write: raw.errors.write,
      timeout: raw.errors.timeout,
      non2xx: nonOk,
    },
    loadgenCpuS,
    msgIdPrefix,
  }
}

/** The shape both clients print (wrk's `done()` in rotate.lua, and autocannon-client.ts). */
export interface RawResult {
  requests: number
  durationUs: number
  bytes: number
  /** `status`: responses with a status outside 2xx (wrk: >= 400, which is all a server here sends). */
  errors: { connect: number; read: number; write: number; status: number; timeout: number }
  latencyUs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number }
}

/**
 * autocannon as a load-generator process, with the same rotation as wrk/rotate.lua. Argument: one JSON object
 * (url, templatesFile, connections, durationS, stations, idPrefix, msgIdPrefix). Prints `AC_JSON {...}` in the
 * shape of `RawResult` (load.ts).
 */
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import type { RawResult } from './load.ts'
import { ID_SLOT, MSGID_SLOT, stationId, WRK_BLOCK_SEPARATOR } from './messages.ts'

interface Args {
  url: string
  templatesFile: string
  connections: number
  durationS: number
  stations: number
  idPrefix: string
  msgIdPrefix: string
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args
const templates = readFileSync(args.templatesFile, 'utf8')
  .split(WRK_BLOCK_SEPARATOR)
  .map((block) => {
    const nl = block.indexOf('\n')
    // split around the slots once; per request only the pieces are joined
    const parts = block.slice(nl + 1).split(/(\{\{ID\}\}|\{\{MSGID\}\})/)
    return { contentType: block.slice(0, nl), parts }
  })
const ids = Array.from({ length: args.stations }, (_, i) => stationId(args.idPrefix, i))
let counter = 0

const result = await autocannon({
  url: args.url,
  connections: args.connections,
  duration: args.durationS,
  timeout: 5,
  requests: [
    {
      method: 'POST',
      setupRequest: (req) => {
        counter++
        const t = templates[counter % templates.length] as (typeof templates)[number]
        const id = ids[Math.floor(counter / templates.length) % ids.length] as string
        const msgId = `${args.msgIdPrefix}00${counter.toString(16).padStart(10, '0')}`
        let body = ''
        for (const p of t.parts) body += p === ID_SLOT ? id : p === MSGID_SLOT ? msgId : p
        return { ...req, body, headers: { 'content-type': t.contentType } }
      },
    },
  ],
})

const raw: RawResult = {
  requests: result.requests.total,
  durationUs: Math.round(result.duration * 1e6),
  bytes: result.throughput.total,
  errors: {
    connect: 0,
    read: result.errors - result.timeouts,
    write: 0,
    status: result.non2xx,
    timeout: result.timeouts,
  },
  latencyUs: {
    p50: result.latency.p50 * 1000,
    p90: result.latency.p90 * 1000,
    p99: result.latency.p99 * 1000,
    p999: result.latency.p99_9 * 1000,
    max: result.latency.max * 1000,
    mean: result.latency.mean * 1000,
  },
}
process.stdout.write(`AC_JSON ${JSON.stringify(raw)}\n`)

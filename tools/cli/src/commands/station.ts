import { parseArgs } from 'node:util'
import {
  hashPassword,
  KvBuckets,
  kvKey,
  mirrorRegistration,
  type StationRecord,
  stationRecordValidator,
} from '@chargebus/station-registry'
import { connectCommandBus } from '../config.ts'
import type { Command } from '../context.ts'

export const command: Command = {
  summary: "set a station's registration status or password for the OCPP gateway and the FTP edge (NATS KV)",
  usage: `usage: chargebus station set ID [--status Accepted|Pending|Rejected] [--password SECRET | --no-password]
       chargebus station show ID

Writes the station record the OCPP gateway mirrors into memory (KV bucket ${KvBuckets.stations} on
NATS_URL, default nats://127.0.0.1:4222): the BootNotification answer under OCPP_REGISTRATION=known-only,
and the HTTP Basic password (stored as a scrypt hash) the station must then send; the FTP edge logs the
station in with the same password.
--namespace NAME targets a bus namespace (tests).`,

  async run(args, { env, stdout, stderr }) {
    const { positionals, values } = parseArgs({
      args,
      options: {
        status: { type: 'string' },
        password: { type: 'string' },
        'no-password': { type: 'boolean', default: false },
        namespace: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    })
    const [action, id, ...extra] = positionals
    if (extra.length > 0 || (action !== 'set' && action !== 'show') || id === undefined || id === '')
      throw usageError('expected set ID or show ID')

    const bus = await connectCommandBus(env, 'station', values.namespace)
    try {
      const kv = await bus.kv(KvBuckets.stations)
      const read = async () => {
        const entry = await kv.get(kvKey(id))
        return entry?.operation === 'PUT' ? (entry.json() as StationRecord) : undefined
      }
      if (action === 'show') {
        const existing = await read()
        stdout.write(
          existing
            ? `${JSON.stringify({ ...existing, password: existing.password ? '***' : undefined })}\n`
            : `${id}: no record\n`,
        )
        return existing ? 0 : 1
      }
      const status = values.status as StationRecord['registrationStatus'] | undefined
      if (status !== undefined && !stationRecordValidator.Check({ registrationStatus: status }))
        throw usageError('--status must be Accepted, Pending or Rejected')
      const outcome = await mirrorRegistration(kv, {
        stationId: id,
        registrationStatus: status,
        password: values['no-password']
          ? null
          : values.password === undefined
            ? undefined
            : hashPassword(values.password),
        decidedAt: new Date(),
        source: 'cli',
      })
      if (outcome === 'kv-newer') {
        stderr.write(`${id}: not changed, the gateway cache holds a newer record (clock skew?)\n`)
        return 1
      }
      const record = await read()
      stdout.write(`${id} ${record?.registrationStatus}${record?.password ? ' (password set)' : ''}\n`)
      return 0
    } finally {
      await bus.close()
    }
  },
}

function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' })
}

import { parseArgs } from 'node:util'
import {
  fromKvKey,
  type IdTagRecord,
  type IdTagState,
  idTagRecordValidator,
  KvBuckets,
  type MirrorOutcome,
  mirrorIdTag,
  removeIdTag,
  toIdTagRecord,
} from '@chargebus/station-registry'
import { connectCommandBus } from '../config.ts'
import type { Command, Output } from '../context.ts'

const STATUSES = ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'] as const

export const command: Command = {
  summary: 'add, remove or list the id tags the OCPP gateway authorizes (NATS KV)',
  usage: `usage: chargebus id-tags add TAG [--status Accepted] [--expires ISO-8601] [--parent TAG]
       chargebus id-tags remove TAG
       chargebus id-tags list

Writes the id-tag records the OCPP gateway mirrors into memory (KV bucket ${KvBuckets.idTags} on NATS_URL,
default nats://127.0.0.1:4222). Running gateways see a change within milliseconds. Tags compare
case-insensitively. --namespace NAME targets a bus namespace (tests).`,

  async run(args, { env, stdout, stderr }) {
    const { positionals, values } = parseArgs({
      args,
      options: {
        status: { type: 'string', default: 'Accepted' },
        expires: { type: 'string' },
        parent: { type: 'string' },
        namespace: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    })
    const [action, tag, ...extra] = positionals
    if (extra.length > 0 || action === undefined || !['add', 'remove', 'list'].includes(action))
      throw usageError('expected add TAG, remove TAG or list')
    if (action !== 'list' && (tag === undefined || tag === '' || tag.length > 20))
      throw usageError('TAG must have 1 to 20 characters')

    const bus = await connectCommandBus(env, 'id-tags', values.namespace)
    try {
      const kv = await bus.kv(KvBuckets.idTags)
      if (action === 'list') {
        for await (const key of await kv.keys()) {
          const entry = await kv.get(key)
          if (entry?.operation === 'PUT') stdout.write(`${fromKvKey(key)}\t${entry.string()}\n`)
        }
        return 0
      }
      const idTag = tag as string
      const now = new Date()
      if (action === 'remove') {
        if (keptNewer(await removeIdTag(kv, idTag, now), idTag, stderr)) return 1
        stdout.write(`removed ${tag}\n`)
        return 0
      }
      const state: IdTagState = { idTag, status: values.status as IdTagRecord['status'], updatedAt: now }
      if (values.expires !== undefined) {
        state.expiryDate = new Date(values.expires)
        if (Number.isNaN(state.expiryDate.getTime()))
          throw usageError('--expires must be an ISO 8601 date-time')
      }
      if (values.parent !== undefined) state.parentIdTag = values.parent
      const record = toIdTagRecord(state)
      if (!idTagRecordValidator.Check(record) || values.parent === '')
        throw usageError(`--status must be one of ${STATUSES.join(', ')}; --parent 1 to 20 characters`)
      if (keptNewer(await mirrorIdTag(kv, state), idTag, stderr)) return 1
      stdout.write(`${tag} ${record.status}${record.expiryDate ? ` until ${record.expiryDate}` : ''}\n`)
      return 0
    } finally {
      await bus.close()
    }
  },
}

/** True (and says so) when KV holds a record updated after now: a writer with a clock ahead of ours. */
function keptNewer(outcome: MirrorOutcome, tag: string, stderr: Output): boolean {
  if (outcome !== 'kv-newer') return false
  stderr.write(`${tag}: not changed, the gateway cache holds a newer record (clock skew?)\n`)
  return true
}

function usageError(message: string): Error {
  // Same shape as node:util's parseArgs errors: runCli prints it as a usage error (exit 2).
  return Object.assign(new Error(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' })
}

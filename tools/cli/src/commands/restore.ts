import { parseArgs } from 'node:util'
import { ARCHIVED_STREAMS, archivedStream, restore } from '@chargebus/archive'
import { parseSize } from '@chargebus/bus'
import { systemClock } from '@chargebus/platform'
import { openArchiveCli, parseTime } from '../archive-context.ts'
import type { Command } from '../context.ts'
import { createProgress } from '../progress.ts'

export const command: Command = {
  summary: 'publish archived messages of a time range back into a stream (byte-identical, headers included)',
  usage: `usage: chargebus restore --from T --to T [--stream S] [--into NAME] [--into-max-bytes SIZE] [--json]

Publishes the archived messages of --stream (default OCPP_IN; one of ${ARCHIVED_STREAMS.join(', ')}) whose
stream time is in [--from, --to) (ISO 8601, or relative: --from=-2h, --to=-0s), in sequence order, with their original headers
and payload bytes.
--into the same stream (e.g. --into OCPP_IN) publishes to the original subjects: disaster recovery, the
consumers are idempotent. Any other name (default RESTORED_<S>) is a restore stream created on demand
(--into-max-bytes, default 256MiB) holding each message at restored.<NAME>.<original subject>, where
chargebus replay can read it. Progress goes to stderr; --json prints the result on stdout.`,

  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        stream: { type: 'string', default: 'OCPP_IN' },
        into: { type: 'string' },
        'into-max-bytes': { type: 'string', default: '256MiB' },
        json: { type: 'boolean', default: false },
        namespace: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    })
    if (positionals.length > 0 || values.from === undefined || values.to === undefined)
      throw usageError('--from and --to are required')
    const now = systemClock()
    const from = parseTime(values.from, now, '--from') as Date
    const to = parseTime(values.to, now, '--to') as Date
    const stream = archivedStream(values.stream)
    let intoMaxBytes: number
    try {
      intoMaxBytes = parseSize(values['into-max-bytes'])
    } catch {
      throw usageError('--into-max-bytes must be a size such as 256MiB')
    }
    const progress = createProgress(ctx.stderr)
    const { access, storage } = await openArchiveCli(ctx.env, 'restore', values.namespace)
    try {
      const result = await restore({
        access,
        storage,
        stream,
        from,
        to,
        ...(values.into !== undefined ? { into: values.into } : {}),
        intoMaxBytes,
        onProgress: (p) =>
          progress.update(
            `restore ${stream}: ${p.published} messages, ${p.bytes} B, ${p.manifests} manifests`,
          ),
      })
      progress.done(`restored ${result.published} messages into ${result.into}`)
      ctx.stdout.write(
        values.json
          ? `${JSON.stringify(result)}\n`
          : `${result.published} messages (${result.bytes} B, ${result.duplicates} duplicates) restored from ${stream} into ${result.into}\n`,
      )
      return 0
    } finally {
      await access.close()
    }
  },
}

function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' })
}

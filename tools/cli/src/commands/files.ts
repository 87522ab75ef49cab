import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { findStationFile, listStationFiles, type StationFileView, stationKnown } from '@chargebus/api/admin'
import { bar, parseTime } from '../archive-context.ts'
import type { Command, Output } from '../context.ts'
import { ContentMismatchError, NotFoundError } from '../errors.ts'
import { countBytes, createProgress } from '../progress.ts'
import { openStoredFiles } from '../storage-context.ts'
import { usageError } from '../usage-error.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const command: Command = {
  summary: 'list the files stations uploaded over FTP, or download one',
  usage: `usage: chargebus files list STATION [--from T] [--to T] [--prefix P] [--limit N] [--json]
       chargebus files get FILE_ID [--output PATH]

list: the station's files, newest first (id, receivedAt, size, name, duplicateOf or -); --json prints one
JSON object per line. Times are ISO 8601 or relative (--from=-7d).
get: streams the file's bytes from object storage to PATH (written as PATH.partial-*, renamed when the
size and SHA-256 match the record) or to stdout; a duplicate upload gives its first copy's bytes. Progress
on stderr.
Uses DATABASE_URL (default through pgbouncer) and STORAGE_URL / STORAGE_S3_* (as ftp-ingest and the API).`,

  async run(args, ctx) {
    const { positionals, values } = parseArgs({
      args,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        prefix: { type: 'string' },
        limit: { type: 'string' },
        output: { type: 'string', short: 'o' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    })
    const [action, target, ...extra] = positionals
    if (extra.length > 0 || (action !== 'list' && action !== 'get') || target === undefined || target === '')
      throw usageError('expected list STATION or get FILE_ID')
    if (action === 'get' && !UUID.test(target)) throw usageError('FILE_ID must be a file id (a UUID)')
    const now = new Date()
    const from = parseTime(values.from, now, '--from')?.toISOString()
    const to = parseTime(values.to, now, '--to')?.toISOString()
    const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit)
    if (!(limit >= 1 && (Number.isSafeInteger(limit) || limit === Number.POSITIVE_INFINITY)))
      throw usageError('--limit must be a positive integer')

    const access = await openStoredFiles(ctx.env, 'files')
    try {
      if (action === 'list') {
        let cursor: string | undefined
        let shown = 0
        do {
          const page = await listStationFiles(access.db, {
            stationId: target,
            from,
            to,
            prefix: values.prefix,
            limit: Math.min(500, limit - shown),
            cursor,
          })
          if (shown === 0 && page.items.length === 0 && !(await stationKnown(access.db, target)))
            throw new NotFoundError(`no station ${target} (no stations row and no files)`)
          for (const f of page.items) ctx.stdout.write(values.json ? `${JSON.stringify(f)}\n` : line(f))
          shown += page.items.length
          cursor = page.nextCursor ?? undefined
        } while (cursor !== undefined && shown < limit)
        return 0
      }
      const file = await findStationFile(access.db, target)
      if (file === undefined) throw new NotFoundError(`no station file ${target}`)
      const progress = createProgress(ctx.stderr)
      const show = (n: number) => progress.update(`${file.name} ${bar(n, file.size)} ${n}/${file.size} bytes`)
      const body = await access.storage.get(file.objectKey)
      const hash = createHash('sha256')
      const counted = countBytes((n, chunk) => {
        hash.update(chunk)
        show(n)
      })
      const check = () => {
        const digest = hash.digest('hex')
        if (digest !== file.sha256)
          throw new ContentMismatchError(
            `file ${target}: the stored bytes have SHA-256 ${digest}, the record says ${file.sha256}`,
          )
      }
      if (values.output === undefined) {
        await pipeline(body, counted, async (source: AsyncIterable<Buffer>) => writeAll(source, ctx.stdout))
        progress.done()
        check()
        return 0
      }
      const partial = `${values.output}.partial-${randomBytes(6).toString('hex')}`
      try {
        await pipeline(body, counted, createWriteStream(partial, { flags: 'wx' }))
        check()
        await rename(partial, values.output)
      } catch (err) {
        await rm(partial, { force: true })
        throw err
      }
      progress.done(`${values.output}: ${file.size} bytes, sha256 ${file.sha256}`)
      return 0
    } finally {
      await access.close()
    }
  },
}

function line(f: StationFileView): string {
  return `${f.id}\t${f.receivedAt}\t${f.size}\t${f.name}\t${f.duplicateOf ?? '-'}\n`
}

/** Writes every chunk, waiting for 'drain' where the output is a stream that asks for it. */
async function writeAll(source: AsyncIterable<Buffer>, out: Output): Promise<void> {
  const stream = out as Output & Partial<Pick<Readable, 'once'>>
  for await (const chunk of source) {
    if (out.write(chunk) === false && typeof stream.once === 'function')
      await new Promise<void>((resolve) => stream.once?.('drain', () => resolve()))
  }
}

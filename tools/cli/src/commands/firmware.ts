import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { pipeline } from 'node:stream'
import { parseArgs } from 'node:util'
import { addFirmwareImage, firmwareConfig, removeFirmwareImage } from '@chargebus/api/admin'
import { type FirmwareImage, isFirmwareName, listFirmwareImages } from '@chargebus/db'
import { loadConfig } from '@chargebus/platform'
import { ObjectTooLarge } from '@chargebus/storage'
import { Type } from 'typebox'
import { bar } from '../archive-context.ts'
import type { Command } from '../context.ts'
import { NotFoundError } from '../errors.ts'
import { countBytes, createProgress } from '../progress.ts'
import { openStoredFiles } from '../storage-context.ts'
import { usageError } from '../usage-error.ts'

export const command: Command = {
  summary: 'add, list or remove firmware images of the catalogue (served to stations for UpdateFirmware)',
  usage: `usage: chargebus firmware add PATH --name NAME --version V [--description TEXT]
       chargebus firmware list [--json]
       chargebus firmware remove NAME

add streams the file into object storage (progress on stderr), records its size and SHA-256 and prints
the entry; NAME is what stations download: letters, digits, . _ -, 1 to 128 characters, no leading dot.
A name in use is refused (remove it first); a file over API_FIRMWARE_MAX_BYTES is refused. A failed add
leaves nothing stored. list: name, version, size, sha256, createdAt, description (--json: one object per
line). remove deletes the entry, then its bytes. Like PUT/DELETE /v1/firmware (scope admin).
Uses DATABASE_URL (default through pgbouncer), STORAGE_URL / STORAGE_S3_*, API_FIRMWARE_MAX_BYTES.`,

  async run(args, ctx) {
    const { positionals, values } = parseArgs({
      args,
      options: {
        name: { type: 'string' },
        version: { type: 'string' },
        description: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    })
    const [action, target, ...extra] = positionals
    const needsTarget = action === 'add' || action === 'remove'
    if (
      extra.length > 0 ||
      (action !== 'add' && action !== 'list' && action !== 'remove') ||
      needsTarget !== (target !== undefined && target !== '')
    )
      throw usageError('expected add PATH, list or remove NAME')
    const name = action === 'remove' ? target : values.name
    if (action !== 'list' && (name === undefined || !isFirmwareName(name)))
      throw usageError('the name must be 1 to 128 letters, digits, . _ or -, not starting with a dot')
    if (
      action === 'add' &&
      (values.version === undefined || values.version.length < 1 || values.version.length > 64)
    )
      throw usageError('--version must have 1 to 64 characters')
    if (
      values.description !== undefined &&
      (values.description.length < 1 || values.description.length > 1000)
    )
      throw usageError('--description must have 1 to 1000 characters')
    const { API_FIRMWARE_MAX_BYTES: maxBytes } = loadConfig(Type.Object(firmwareConfig), ctx.env)

    const access = await openStoredFiles(ctx.env, 'firmware')
    try {
      if (action === 'list') {
        let after: string | undefined
        for (;;) {
          const page = await listFirmwareImages(access.db, { limit: 500, after })
          for (const i of page) ctx.stdout.write(values.json ? `${JSON.stringify(view(i))}\n` : line(i))
          if (page.length < 500) return 0
          after = page.at(-1)?.name
        }
      }
      if (action === 'remove') {
        const removed = await removeFirmwareImage(access.db, access.storage, name as string)
        if (removed === undefined) throw new NotFoundError(`no firmware image ${name}`)
        ctx.stdout.write(`removed ${removed.name} (version ${removed.version}, ${removed.size} bytes)\n`)
        return 0
      }
      const path = target as string
      const { size } = await stat(path) // a missing file fails here, before anything is stored
      if (size > maxBytes) throw new ObjectTooLarge(path, maxBytes) // refused before anything is stored
      const progress = createProgress(ctx.stderr)
      const image = await addFirmwareImage(
        access.db,
        access.storage,
        () =>
          pipeline(
            createReadStream(path),
            countBytes((n) => progress.update(`${name} ${bar(n, size)} ${n}/${size} bytes`)),
            () => {}, // errors reach the storage through the returned stream
          ),
        {
          name: name as string,
          version: values.version as string,
          description: values.description ?? null,
          maxBytes,
          at: new Date(),
        },
      )
      progress.done(`added ${image.name}`)
      ctx.stdout.write(line(image))
      return 0
    } finally {
      await access.close()
    }
  },
}

function view(i: FirmwareImage) {
  return {
    name: i.name,
    version: i.version,
    size: i.size,
    sha256: i.sha256,
    createdAt: i.createdAt.toISOString(),
    description: i.description,
  }
}

function line(i: FirmwareImage): string {
  return `${i.name}\t${i.version}\t${i.size}\t${i.sha256}\t${i.createdAt.toISOString()}\t${i.description ?? ''}\n`
}

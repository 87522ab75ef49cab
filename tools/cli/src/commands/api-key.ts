import { parseArgs } from 'node:util'
import { issueApiKey, listApiKeys, revokeApiKey, SCOPES, type Scope } from '@chargebus/api/admin'
import { createDb } from '@chargebus/db'
import { loadConfig } from '@chargebus/platform'
import { DatabaseConfig } from '../config.ts'
import type { Command } from '../context.ts'

export const command: Command = {
  summary: 'create, list or revoke REST API keys (shown once at creation)',
  usage: `usage: chargebus api-key create --name NAME --scopes read,write,admin,bi
       chargebus api-key list [--all]
       chargebus api-key revoke ID|PREFIX

create prints the key once (only its sha256 is stored; the first characters, e.g. cbk_AbC12345, identify
it in lists). Scopes: ${SCOPES.join(', ')} (admin implies all). list shows active keys (--all: revoked too).
revoke takes the id or the prefix; running API instances refuse the key within API_KEY_CACHE_TTL_MS.
Uses DATABASE_URL (default through pgbouncer, postgres://chargebus:***@127.0.0.1:6432/chargebus).`,

  async run(args, { env, stdout }) {
    const { positionals, values } = parseArgs({
      args,
      options: {
        name: { type: 'string' },
        scopes: { type: 'string' },
        all: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    })
    const [action, target, ...extra] = positionals
    if (extra.length > 0 || !['create', 'list', 'revoke'].includes(action ?? '')) {
      throw usageError('expected create, list or revoke')
    }
    let scopes: Scope[] = []
    if (action === 'create') {
      if (values.name === undefined || values.name.trim() === '' || values.name.length > 100) {
        throw usageError('--name must have 1 to 100 characters')
      }
      scopes = [
        ...new Set(
          (values.scopes ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
        ),
      ] as Scope[]
      if (scopes.length === 0 || scopes.some((s) => !SCOPES.includes(s))) {
        throw usageError(`--scopes must list some of ${SCOPES.join(', ')}`)
      }
    }
    if (action === 'revoke' && (target === undefined || target === ''))
      throw usageError('revoke needs an id or prefix')

    const { DATABASE_URL } = loadConfig(DatabaseConfig, env)
    const db = createDb({ url: DATABASE_URL, poolSize: 1, applicationName: 'chargebus-cli api-key' })
    try {
      if (action === 'create') {
        const key = await issueApiKey(db, { name: values.name as string, scopes })
        stdout.write(`${key.key}\n`)
        stdout.write(
          `id ${key.id}  prefix ${key.prefix}  scopes ${key.scopes.join(',')}  (shown once: store it now)\n`,
        )
        return 0
      }
      if (action === 'list') {
        let cursor: string | undefined
        do {
          const page = await listApiKeys(db, { limit: 500, cursor, includeRevoked: values.all })
          for (const k of page.items) {
            stdout.write(
              `${k.id}\t${k.prefix}\t${k.name}\t${k.scopes.join(',')}\t${k.createdAt}\t${k.revokedAt ?? 'active'}\n`,
            )
          }
          cursor = page.nextCursor ?? undefined
        } while (cursor !== undefined)
        return 0
      }
      const revoked = await revokeApiKey(db, target as string, new Date())
      if (revoked === undefined) {
        stdout.write(`no API key ${target}\n`)
        return 1
      }
      stdout.write(`revoked ${revoked.id} (${revoked.prefix}, ${revoked.name})\n`)
      return 0
    } finally {
      await db.destroy()
    }
  },
}

function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' })
}

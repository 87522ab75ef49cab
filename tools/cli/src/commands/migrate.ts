import { parseArgs } from 'node:util'
import { createDb, DatabaseUnavailable, describeTarget, migrateToLatest } from '@chargebus/db'
import { loadDatabaseAdminConfig } from '../config.ts'
import type { Command } from '../context.ts'

export const command: Command = {
  summary: 'apply pending database migrations (DATABASE_ADMIN_URL, direct to Postgres)',
  usage: `usage: chargebus migrate

Applies every pending migration, in one transaction, to the database at DATABASE_ADMIN_URL
(default postgres://chargebus:chargebus@127.0.0.1:5432/chargebus). Point it straight at Postgres,
not at pgbouncer. Prints what ran; running it again does nothing.`,

  async run(args, { env, stdout }) {
    parseArgs({ args, options: {}, strict: true, allowPositionals: false })
    const { DATABASE_ADMIN_URL: url } = loadDatabaseAdminConfig(env)
    const target = describeTarget(url)
    const db = createDb({
      url,
      poolSize: 1,
      applicationName: 'chargebus-cli migrate',
      connectTimeoutMs: 10_000,
    })
    try {
      const { applied, latest } = await migrateToLatest(db)
      for (const name of applied) stdout.write(`applied ${name}\n`)
      stdout.write(
        applied.length === 0
          ? `${target} is up to date (latest ${latest ?? 'none'})\n`
          : `${target} is now at ${latest}\n`,
      )
      return 0
    } catch (err) {
      // Name the target so "connection refused" says which server it was.
      if (err instanceof DatabaseUnavailable)
        throw new DatabaseUnavailable(`${target}: ${err.detail}`, err.cause)
      throw err
    } finally {
      await db.destroy()
    }
  },
}

import type { Kysely } from 'kysely'
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration'
import { pingDatabase } from './create-db.ts'
import { MigrationFailed } from './errors.ts'
import { migrations } from './migrations/index.ts'

/** Serves the statically imported migrations to kysely's `Migrator`. */
export const migrationProvider: MigrationProvider = staticProvider(migrations)

function staticProvider(record: Readonly<Record<string, Migration>>): MigrationProvider {
  return { getMigrations: async () => ({ ...record }) }
}

export interface MigrationReport {
  /** Migrations applied by this call, in order (empty when the database was up to date). */
  applied: string[]
  /** The newest migration the database now has (undefined when there are none). */
  latest: string | undefined
}

/**
 * Applies every pending migration in one transaction under kysely's migration lock.
 *
 * Connect it **directly to Postgres** (`DATABASE_ADMIN_URL`, port 5432), never through pgbouncer:
 * kysely takes a session advisory lock for the run. Throws `DatabaseUnavailable` when the database
 * does not answer and `MigrationFailed` (naming the migration) when one fails; nothing is applied then.
 * `options.migrations` replaces the package's migrations (tests of the runner itself).
 *
 * ### Examples
 * ```ts
 * const admin = createDb({ url: process.env.DATABASE_ADMIN_URL, poolSize: 1 })
 * const { applied } = await migrateToLatest(admin)
 * await admin.destroy()
 * ```
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  options: { migrations?: Readonly<Record<string, Migration>> } = {},
): Promise<MigrationReport> {
  await pingDatabase(db, { timeoutMs: 10_000 })
  const provider = options.migrations === undefined ? migrationProvider : staticProvider(options.migrations)
  const migrator = new Migrator({ db, provider })
  const { error, results = [] } = await migrator.migrateToLatest()
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')
    throw new MigrationFailed(failed?.migrationName, error)
  }
  const executed = (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined)
  return {
    applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName),
    latest: executed.at(-1)?.name,
  }
}

/** Names of every migration this build knows, in the order they apply. */
export function listMigrations(): string[] {
  return Object.keys(migrations).sort()
}

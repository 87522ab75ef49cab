import { type Kysely, sql } from 'kysely'
import { assertDatabaseName } from './url.ts'

/*
 * Database-level DDL for set-up tooling (test set-up, CLI). Give them a connection to another
 * database of the same server (e.g. `postgres`), as a role with CREATEDB.
 */

/**
 * `CREATE DATABASE name` owned by the connected role.
 *
 * ### Examples
 * ```ts
 * await createDatabase(admin, 'chargebus_test_abc')
 * ```
 */
export async function createDatabase<DB>(db: Kysely<DB>, name: string): Promise<void> {
  await sql`create database ${sql.id(assertDatabaseName(name))}`.execute(db)
}

/** `DROP DATABASE IF EXISTS name WITH (FORCE)`: ends its open connections (pgbouncer's too) first. */
export async function dropDatabase<DB>(db: Kysely<DB>, name: string): Promise<void> {
  await sql`drop database if exists ${sql.id(assertDatabaseName(name))} with (force)`.execute(db)
}

/** Names of the databases whose name starts with `prefix`, sorted. */
export async function listDatabases<DB>(db: Kysely<DB>, prefix: string): Promise<string[]> {
  const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`)
  const { rows } = await sql<{ datname: string }>`
    select datname from pg_database where datname like ${`${escaped}%`} order by datname`.execute(db)
  return rows.map((r) => r.datname)
}

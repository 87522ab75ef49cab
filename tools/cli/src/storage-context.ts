import { createDb, type Database, type Kysely } from '@chargebus/db'
import { type Env, loadConfig } from '@chargebus/platform'
import { createStorageFromConfig, type ObjectStorage, storageConfig } from '@chargebus/storage'
import { Type } from 'typebox'
import { DatabaseConfig } from './config.ts'

const StoredFilesConfig = Type.Object({ ...DatabaseConfig.properties, ...storageConfig })

/** Postgres (through pgbouncer) and the object storage, as the API and ftp-ingest reach them. */
export interface StoredFilesAccess {
  db: Kysely<Database>
  storage: ObjectStorage
  close(): Promise<void>
}

/** Opens what `files` and `firmware` read and write: DATABASE_URL, STORAGE_URL (and STORAGE_S3_*). */
export async function openStoredFiles(env: Env, command: string): Promise<StoredFilesAccess> {
  const config = loadConfig(StoredFilesConfig, env)
  const storage = await createStorageFromConfig(config)
  const db = createDb({ url: config.DATABASE_URL, poolSize: 1, applicationName: `chargebus-cli ${command}` })
  return { db, storage, close: () => db.destroy() }
}

import type { Migration } from 'kysely/migration'
import * as operationalBase from './2026-11-26-operational-base.ts'

/**
 * Every migration, imported statically (no file-system scanning, works from any bundle or cwd).
 * Names are ISO dates: kysely runs them in name order and refuses a new name that sorts before one
 * already applied. Add a line; never rename or remove one.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '2026-11-26T07:00:00Z_operational_base': operationalBase,
}

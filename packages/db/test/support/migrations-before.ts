import { migrations } from '../../src/migrations/index.ts'

/** The migrations named before `name`: a database as it was when `name` shipped, to run `name` on its data. */
export function migrationsBefore(name: string): typeof migrations {
  return Object.fromEntries(Object.entries(migrations).filter(([n]) => n < name))
}

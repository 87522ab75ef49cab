import { InvalidDatabaseName, InvalidDatabaseUrl } from './errors.ts'

/** Where a connection URL points, without the password. */
export interface DatabaseTarget {
  host: string
  port: number
  database: string
  user: string
}

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Checks a `postgres://` URL and returns where it points. Throws `InvalidDatabaseUrl` (whose message
 * never contains the password) when it is not a usable URL.
 *
 * ### Examples
 * ```ts
 * parseDatabaseUrl('postgres://chargebus:chargebus@127.0.0.1:6432/chargebus')
 * // { host: '127.0.0.1', port: 6432, database: 'chargebus', user: 'chargebus' }
 * ```
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InvalidDatabaseUrl(url.trim() === '' ? 'empty' : 'not a URL')
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new InvalidDatabaseUrl(`scheme must be postgres: or postgresql:, got ${parsed.protocol}`)
  }
  if (parsed.hostname === '') throw new InvalidDatabaseUrl('missing host')
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  if (database === '' || database.includes('/')) throw new InvalidDatabaseUrl('missing database name')
  const port = parsed.port === '' ? 5432 : Number(parsed.port)
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    database,
    user: decodeURIComponent(parsed.username),
  }
}

/** The same URL pointing at another database on the same server (credentials and query kept). */
export function withDatabaseName(url: string, database: string): string {
  parseDatabaseUrl(url)
  const parsed = new URL(url)
  parsed.pathname = `/${encodeURIComponent(database)}`
  return parsed.toString()
}

/** The same URL pointing at another port (for example pgbouncer's instead of Postgres'). */
export function withPort(url: string, port: number): string {
  parseDatabaseUrl(url)
  const parsed = new URL(url)
  parsed.port = String(port)
  return parsed.toString()
}

/** `user@host:port/database`: safe to log. */
export function describeTarget(url: string): string {
  const t = parseDatabaseUrl(url)
  const host = t.host.includes(':') ? `[${t.host}]` : t.host
  return `${t.user === '' ? '' : `${t.user}@`}${host}:${t.port}/${t.database}`
}

/**
 * Checks a name we are about to put into `CREATE/DROP DATABASE`: plain lowercase identifiers only,
 * so the name means the same quoted or not.
 */
export function assertDatabaseName(name: string): string {
  if (!DATABASE_NAME.test(name)) throw new InvalidDatabaseName(name)
  return name
}

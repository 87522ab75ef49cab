import { randomBytes } from 'node:crypto'
import { connectBus } from '@chargebus/bus'
import { allStreams } from '@chargebus/events'
import { type Clock, loadConfig } from '@chargebus/platform'
import type { InjectOptions } from 'fastify'
import { pino } from 'pino'
import { buildApp } from '../../src/app.ts'
import { ApiConfig } from '../../src/config.ts'
import { issueApiKey } from '../../src/data-access/api-keys.ts'
import { type OpenedDependencies, openApiDependencies } from '../../src/deps.ts'
import type { Scope } from '../../src/domain/api-keys.ts'
import { ContractChecker } from './contract.ts'

export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'

export function uniqueNamespace(): string {
  return `api${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
}

export interface ApiResponse {
  status: number
  headers: Record<string, string | string[] | number | undefined>
  body: string
  /** The body's bytes (downloads). */
  raw: Buffer
  /** The body parsed as JSON (undefined when it is not JSON); loosely typed for assertions. */
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary response fields
  json: any
}

export interface TestApi {
  app: Awaited<ReturnType<typeof buildApp>>
  deps: OpenedDependencies
  namespace: string
  /** A key per scope, plus `all` (every scope). */
  keys: Record<Scope, string>
  contract: ContractChecker
  /** `inject` with `Authorization: Bearer <key>` (scope name or raw key; null: none); checked against the contract. */
  request(
    method: string,
    url: string,
    opts?: {
      key?: Scope | string | null
      body?: unknown
      headers?: Record<string, string>
      payload?: string | Buffer
    },
  ): Promise<ApiResponse>
  close(): Promise<void>
}

/**
 * The real API (real Postgres through pgbouncer, real NATS) in its own bus namespace (streams created),
 * built with `buildApp` (not listening). `env` overrides configuration variables; `clock` replaces the system
 * clock of every time-dependent rule; `namespace` joins another test service's namespace (its owner cleans it
 * up); `instrument` may wrap the dependencies (e.g. to see every SQL statement) before the app is built.
 */
export async function startTestApi(
  env: Record<string, string> = {},
  opts: { clock?: Clock; namespace?: string; instrument?: (deps: OpenedDependencies) => void } = {},
): Promise<TestApi> {
  const namespace = opts.namespace ?? uniqueNamespace()
  const config = loadConfig(ApiConfig, {
    DATABASE_URL: process.env.DATABASE_URL,
    NATS_URL,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
    // The suites make many keyless requests from one address; the throttle has a test of its own.
    API_AUTH_FAILURES_MAX: '100000',
    ...env,
  })
  const logger = pino({ level: config.LOG_LEVEL })
  const admin = await connectBus({ servers: NATS_URL, name: 'api-test-admin', namespace, logger })
  await admin.ensureStreams(allStreams, { maxBytes: 8 * 1024 * 1024 })
  const deps = await openApiDependencies(config, logger, { namespace })
  if (opts.clock !== undefined) deps.clock = opts.clock
  opts.instrument?.(deps)
  const app = await buildApp(deps)
  await app.ready()
  const contract = new ContractChecker((await app.inject({ url: '/openapi.json' })).json())
  const keys = {} as Record<Scope, string>
  for (const scope of ['read', 'write', 'admin', 'bi'] as const) {
    keys[scope] = (await issueApiKey(deps.db, { name: `test ${scope}`, scopes: [scope] })).key
  }

  return {
    app,
    deps,
    namespace,
    keys,
    contract,
    async request(method, url, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers }
      const key = opts.key === undefined ? 'admin' : opts.key
      if (key !== null) headers.authorization = `Bearer ${key in keys ? keys[key as Scope] : key}`
      const inject: InjectOptions = { method: method as InjectOptions['method'], url, headers }
      if (opts.body !== undefined) inject.payload = opts.body as InjectOptions['payload']
      if (opts.payload !== undefined) inject.payload = opts.payload
      const res = await app.inject(inject)
      contract.check({
        method,
        url,
        status: res.statusCode,
        contentType: res.headers['content-type'] as string | undefined,
        body: res.body,
      })
      let json: unknown
      try {
        json = res.body === '' ? undefined : JSON.parse(res.body)
      } catch {
        json = undefined
      }
      return { status: res.statusCode, headers: res.headers, body: res.body, raw: res.rawPayload, json }
    },
    async close() {
      await app.close()
      await deps.close()
      if (opts.namespace === undefined) await admin.deleteNamespace().catch(() => {})
      await admin.close()
    },
  }
}

/** Fails the test file when any response broke the published contract. */
export function expectContractKept(api: TestApi | undefined): void {
  if (api === undefined) return
  expect(api.contract.mismatches).toEqual([])
}

import { clientNetworkOf, type FailureThrottle } from '@chargebus/platform'
import type { FastifyRequest, RouteOptions } from 'fastify'
import type { KeyAuthenticator } from '../../data-access/key-store.ts'
import { bearerToken, hasScope, type Principal, type Scope } from '../../domain/api-keys.ts'
import { ApiError, Forbidden, Unauthenticated } from '../../domain/errors.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by the auth hook on routes that need a scope. */
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /** The scope a route needs. A `/v1` route declares one, or `public: true`; else it does not register. */
    scope?: Scope
    /** A route anyone may call (none in `/v1` today): said explicitly, never by omission. */
    public?: true
  }
}

/**
 * The `onRoute` hook of `/v1`: a route that names neither a scope nor `public: true` is a registration error,
 * so no route is public by omission.
 */
export function requireDeclaredScope(route: RouteOptions): void {
  const config = route.config as { scope?: Scope; public?: true } | undefined
  if (config?.scope === undefined && config?.public !== true)
    throw new Error(`${route.method} ${route.url}: declare config.scope (or config.public: true)`)
}

/**
 * The `onRequest` hook of `/v1`: a route's `config.scope` names what it needs. No or an unknown key: 401
 * with `WWW-Authenticate: Bearer`; a key without the scope: 403. A client (an IPv4 address, an IPv6 /64)
 * that presented `maxFailures` bad keys within the window gets 429 before any lookup, and a token that cannot
 * be a key is refused without one: a flood of made-up keys costs no database round trips.
 */
export function authenticate(keys: KeyAuthenticator, failures: FailureThrottle) {
  return async (request: FastifyRequest): Promise<void> => {
    const { scope, public: open } = request.routeOptions.config
    if (scope === undefined) {
      if (open === true) return
      // Unreachable while requireDeclaredScope guards registration; denied, never allowed, by omission.
      throw new ApiError('API_ERR_FORBIDDEN', 'this route declares no scope')
    }
    const client = clientNetworkOf(request.ip)
    const verdict = failures.check(client)
    if (!verdict.allowed) {
      const seconds = Math.ceil(verdict.retryAfterMs / 1000)
      throw new ApiError(
        'API_ERR_RATE_LIMITED',
        `too many requests with a missing or bad API key from this address; retry in ${seconds} s`,
        { headers: { 'retry-after': String(seconds) } },
      )
    }
    const token = bearerToken(request.headers.authorization)
    const principal = token === undefined ? undefined : await keys.authenticate(token)
    if (principal === undefined) {
      failures.fail(client)
      throw new Unauthenticated(
        token === undefined
          ? 'an API key is required: Authorization: Bearer <key>'
          : 'the API key is unknown or revoked',
      )
    }
    failures.succeed(client)
    if (!hasScope(principal.scopes, scope)) throw new Forbidden(scope)
    request.principal = principal
  }
}

/** Security requirement of a route with `scope` for the OpenAPI document. */
export function security(scope: Scope) {
  return [{ apiKey: [scope] }]
}

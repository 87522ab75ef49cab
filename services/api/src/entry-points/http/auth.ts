import type { FastifyRequest } from 'fastify'
import type { KeyAuthenticator } from '../../data-access/key-store.ts'
import { bearerToken, hasScope, type Principal, type Scope } from '../../domain/api-keys.ts'
import { Forbidden, Unauthenticated } from '../../domain/errors.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by the auth hook on routes that need a scope. */
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are public. */
    scope?: Scope
  }
}

/**
 * The `onRequest` hook of `/v1`: a route's `config.scope` names what it needs. No or an unknown key: 401
 * with `WWW-Authenticate: Bearer`; a key without the scope: 403.
 */
export function authenticate(keys: KeyAuthenticator) {
  return async (request: FastifyRequest): Promise<void> => {
    const scope = request.routeOptions.config.scope
    if (scope === undefined) return
    const token = bearerToken(request.headers.authorization)
    if (token === undefined) throw new Unauthenticated('an API key is required: Authorization: Bearer <key>')
    const principal = await keys.authenticate(token)
    if (principal === undefined) throw new Unauthenticated('the API key is unknown or revoked')
    if (!hasScope(principal.scopes, scope)) throw new Forbidden(scope)
    request.principal = principal
  }
}

/** Security requirement of a route with `scope` for the OpenAPI document. */
export function security(scope: Scope) {
  return [{ apiKey: [scope] }]
}

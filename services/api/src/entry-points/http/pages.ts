import type { FastifyReply, FastifyRequest } from 'fastify'
import { DEFAULT_LIMIT } from './schemas.ts'

/** The page body: items, the next cursor and the next page's path + query (also sent as `Link: rel="next"`). */
export function sendPage<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  page: { items: T[]; nextCursor: string | null },
): { data: T[]; nextCursor: string | null; next: string | null } {
  let next: string | null = null
  if (page.nextCursor !== null) {
    const url = new URL(request.url, 'http://api.invalid')
    url.searchParams.set('cursor', page.nextCursor)
    next = url.pathname + url.search
    reply.header('link', `<${next}>; rel="next"`)
  }
  return { data: page.items, nextCursor: page.nextCursor, next }
}

/** A listing query with its page size resolved (the schema default applies at runtime; types see it optional). */
export function paged<Q extends { limit?: number | undefined }>(query: Q): Q & { limit: number } {
  return { ...query, limit: query.limit ?? DEFAULT_LIMIT }
}
